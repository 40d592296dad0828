// Launch, pause, resume and cancel: each from its states only (409 naming the status otherwise),
// launch only with what the campaign needs (a published agent pinned, contacts, a mapping, caller
// numbers still in the space), and two racing requests never both succeed.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { campaigns, phoneNumbers } from "@speaknode/db";
import { call, expectProblem, withDb } from "../../test/helpers.ts";
import { ApiError } from "../errors.ts";
import { moveCampaign } from "../campaigns/lifecycle.ts";
import { campaignWorld, createDraft, insertItems, mapping, publishAgent, type CampaignWorld } from "../campaigns/campaigns-testing.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

const post = (w: CampaignWorld, id: string, action: string, json?: unknown) => call("POST", `/v1/campaigns/${id}/${action}`, { token: w.member.token, ...(json !== undefined ? { json } : {}) });

/** A draft that can be launched: published agent, a mapping, two contacts; it starts in 2099, so
 *  the runner woken by a launch never dials while these tests look at the campaign row. */
async function readyDraft(w: CampaignWorld): Promise<string> {
  await publishAgent(w);
  const draft = await createDraft(w, { contactMapping: mapping, startAt: "2099-01-01T00:00:00.000Z" });
  await insertItems(draft.id, w.spaceId, [{}, {}]);
  return draft.id;
}

describe("launching a campaign", () => {
  it("pins the agent's published version, sets launched_at and runs", async () => {
    const w = await campaignWorld();
    const id = await readyDraft(w);
    const res = await post(w, id, "launch");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: "running", agentVersion: 1, version: 2, itemCount: 2 });
    expect(Date.now() - Date.parse(String(res.body["launchedAt"]))).toBeLessThan(60_000);
    // Launching again is a 409 naming the status.
    const again = await post(w, id, "launch");
    expectProblem(again, 409, "conflict");
    expect(again.body["detail"]).toBe("the campaign is running: only a draft can be launched");
  });

  it("refuses an unpublished agent, a campaign without contacts or mapping, and a number that left the space", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    const detail = async () => {
      const res = await post(w, draft.id, "launch");
      expectProblem(res, 409, "conflict");
      return String(res.body["detail"]);
    };
    expect(await detail()).toContain("the agent has no published version");
    await publishAgent(w);
    expect(await detail()).toContain("no contact mapping");
    await call("PATCH", `/v1/campaigns/${draft.id}`, { token: w.owner.token, json: { contactMapping: mapping } });
    expect(await detail()).toContain("no contacts");
    await insertItems(draft.id, w.spaceId, [{}]);
    // The number is released from the space after the campaign was made.
    await withDb((db) => db.delete(phoneNumbers).where(eq(phoneNumbers.id, w.numberId)));
    const res = await post(w, draft.id, "launch");
    expectProblem(res, 409, "conflict");
    expect(res.body["errors"]).toEqual([{ field: "settings.callerNumberIds.0", message: "not a phone number of this space" }]);
    const [row] = await withDb((db) => db.select().from(campaigns).where(eq(campaigns.id, draft.id)));
    expect(row).toMatchObject({ status: "draft", agentVersion: null, launchedAt: null, version: 2 });
  });

  it("lets exactly one of two parallel launches through", async () => {
    const w = await campaignWorld();
    const id = await readyDraft(w);
    const results = await Promise.all([post(w, id, "launch"), post(w, id, "launch")]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = results.find((r) => r.status === 409);
    expect(loser?.body["detail"]).toBe("the campaign is running: only a draft can be launched");
    const [row] = await withDb((db) => db.select().from(campaigns).where(eq(campaigns.id, id)));
    expect(row).toMatchObject({ status: "running", version: 2 });
  });

  it("refuses a launch working from a stale read of the draft: the UPDATE itself is conditional", async () => {
    const w = await campaignWorld();
    const id = await readyDraft(w);
    const [stale] = await withDb((db) => db.select().from(campaigns).where(eq(campaigns.id, id)));
    if (!stale) throw new Error("the draft is missing");
    expect((await post(w, id, "launch")).status).toBe(200);
    const outcome = await withDb((db) => moveCampaign(db, stale, "launch").then(() => "launched", (err: unknown) => err));
    expect(outcome).toBeInstanceOf(ApiError);
    expect((outcome as ApiError).message).toBe("the campaign is running: only a draft can be launched");
  });
});

describe("pausing, resuming and cancelling", () => {
  it("pauses a running campaign and resumes it; each from its own state only", async () => {
    const w = await campaignWorld();
    const id = await readyDraft(w);
    const resumeDraft = await post(w, id, "resume");
    expectProblem(resumeDraft, 409, "conflict");
    expect(resumeDraft.body["detail"]).toBe("the campaign is draft: only a paused campaign can be resumed");
    expectProblem(await post(w, id, "pause"), 409, "conflict");
    await post(w, id, "launch");
    expect((await post(w, id, "pause")).body).toMatchObject({ status: "paused", version: 3 });
    expectProblem(await post(w, id, "pause"), 409, "conflict");
    expect((await post(w, id, "resume")).body).toMatchObject({ status: "running", version: 4 });
  });

  it("cancels with the chosen mode and an end time; an ended campaign cannot be cancelled again", async () => {
    const w = await campaignWorld();
    const id = await readyDraft(w);
    await post(w, id, "launch");
    const res = await post(w, id, "cancel", { mode: "end_calls" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "cancelled", cancelMode: "end_calls" });
    expect(res.body["endedAt"]).toEqual(expect.any(String));
    const again = await post(w, id, "cancel");
    expectProblem(again, 409, "conflict");
    expect(again.body["detail"]).toBe("the campaign is cancelled: only a draft, running or paused campaign can be cancelled");
  });

  it("cancels a draft or a paused campaign without a body (mode finish)", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    expect((await post(w, draft.id, "cancel")).body).toMatchObject({ status: "cancelled", cancelMode: "finish" });
    const id = await readyDraft(w);
    await post(w, id, "launch");
    await post(w, id, "pause");
    expect((await post(w, id, "cancel", {})).body).toMatchObject({ status: "cancelled", cancelMode: "finish" });
  });

  it("lets one of a racing pause and cancel win, never a mix", async () => {
    const w = await campaignWorld();
    const id = await readyDraft(w);
    await post(w, id, "launch");
    const [pause, cancel] = await Promise.all([post(w, id, "pause"), post(w, id, "cancel")]);
    // Cancel is allowed from paused too, so either both succeed in order or pause loses to cancel.
    expect(cancel.status).toBe(200);
    expect([200, 409]).toContain(pause.status);
    const [row] = await withDb((db) => db.select().from(campaigns).where(eq(campaigns.id, id)));
    expect(row?.status).toBe("cancelled");
  });
});
