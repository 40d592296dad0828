// Creating, reading, editing and deleting campaigns: references must be the space's own, settings
// get the contract's defaults and are validated again as a whole on edit, editing narrows after
// launch (documented fields only), a stale version is a 409, and only a draft or an ended campaign
// can be deleted (with its items and attempts).
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { campaignAttempts, campaignItems, campaigns } from "@speaknode/db";
import { call, expectProblem, withDb } from "../../test/helpers.ts";
import { campaignWorld, createDraft, insertAttempt, insertItems, mapping, setStatus } from "../campaigns/campaigns-testing.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("creating a campaign", () => {
  it("makes a draft with the contract's default settings, for a Member", async () => {
    const w = await campaignWorld();
    const res = await call("POST", `/v1/spaces/${w.spaceId}/campaigns`, { token: w.member.token, json: { name: " Spring renewals ", agentId: w.agentId, callerNumberIds: [w.numberId], contactMapping: mapping } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ spaceId: w.spaceId, agentId: w.agentId, agentVersion: null, name: "Spring renewals", status: "draft", contactMapping: mapping, cancelMode: null, itemCount: 0, version: 1, launchedAt: null, endedAt: null });
    expect(res.body["settings"]).toEqual({
      callerNumberIds: [w.numberId],
      startAt: null,
      endBy: null,
      windows: [{ days: [1, 2, 3, 4, 5], start: "09:00", end: "18:00" }],
      defaultTimeZone: "UTC",
      maxConcurrentCalls: 5,
      dialRatePerS: 1,
      retry: { noAnswer: { attempts: 2, backoffS: 3600 }, busy: { attempts: 2, backoffS: 900 }, voicemail: { attempts: 1, backoffS: 7200 }, failed: { attempts: 1, backoffS: 1800 } },
      maxDurationS: null,
      voicemail: "inherit",
      allowDuplicates: false,
    });
    const get = await call("GET", `/v1/campaigns/${String(res.body["id"])}`, { token: w.apiKey });
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ id: res.body["id"], status: "draft", summary: { total: 0, attempts: 0, averageDurationS: null, minutesUsed: 0 } });
  });

  it("refuses another space's agent with the 404 of a made-up one, and writes nothing", async () => {
    const w = await campaignWorld();
    const res = await call("POST", `/v1/spaces/${w.spaceId}/campaigns`, { token: w.owner.token, json: { name: "X", agentId: w.otherAgentId, callerNumberIds: [w.numberId] } });
    expectProblem(res, 404, "not_found");
    expect(res.body["detail"]).toBe("agent not found");
    expect(res.body["errors"]).toEqual([{ field: "body.agentId", message: "not an agent of this space" }]);
    expect(await withDb((db) => db.select().from(campaigns).where(eq(campaigns.spaceId, w.spaceId)))).toEqual([]);
  });

  it("refuses a caller number of another space or listed twice, naming each", async () => {
    const w = await campaignWorld();
    const res = await call("POST", `/v1/spaces/${w.spaceId}/campaigns`, { token: w.owner.token, json: { name: "X", agentId: w.agentId, callerNumberIds: [w.numberId, w.otherNumberId, w.numberId] } });
    expectProblem(res, 400, "validation_failed");
    expect(res.body["errors"]).toEqual([
      { field: "body.callerNumberIds.1", message: "not a phone number of this space" },
      { field: "body.callerNumberIds.2", message: "listed twice" },
    ]);
  });

  it("refuses settings the contract refuses (a window ending before it starts, an unknown zone)", async () => {
    const w = await campaignWorld();
    const res = await call("POST", `/v1/spaces/${w.spaceId}/campaigns`, {
      token: w.owner.token,
      json: { name: "X", agentId: w.agentId, callerNumberIds: [w.numberId], windows: [{ days: [1], start: "18:00", end: "09:00" }], defaultTimeZone: "Mars/Olympus" },
    });
    expectProblem(res, 400, "validation_failed");
    expect((res.body["errors"] as { field: string }[]).map((e) => e.field).sort()).toEqual(["body.defaultTimeZone", "body.windows.0.end"]);
  });
});

describe("editing a campaign", () => {
  it("changes a draft's agent, mapping and settings, keeps the rest, and bumps the version", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w, { maxConcurrentCalls: 3 });
    const res = await call("PATCH", `/v1/campaigns/${draft.id}`, { token: w.member.token, json: { version: 1, name: "Renamed", contactMapping: mapping, dialRatePerS: 2, startAt: "2030-01-01T09:00:00.000Z" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: "Renamed", version: 2, contactMapping: mapping, settings: { maxConcurrentCalls: 3, dialRatePerS: 2, startAt: "2030-01-01T09:00:00.000Z", callerNumberIds: [w.numberId] } });
  });

  it("answers a stale version with 409 and changes nothing", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    expect((await call("PATCH", `/v1/campaigns/${draft.id}`, { token: w.owner.token, json: { version: 1, name: "First" } })).status).toBe(200);
    const stale = await call("PATCH", `/v1/campaigns/${draft.id}`, { token: w.owner.token, json: { version: 1, name: "Second" } });
    expectProblem(stale, 409, "conflict");
    expect(stale.body["detail"]).toContain("version 2, not 1");
    expect((await call("GET", `/v1/campaigns/${draft.id}`, { token: w.owner.token })).body["name"]).toBe("First");
  });

  it("lets a running or paused campaign change only the documented fields; others are a 409 naming them", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    for (const status of ["running", "paused"] as const) {
      await setStatus(draft.id, status);
      const ok = await call("PATCH", `/v1/campaigns/${draft.id}`, { token: w.owner.token, json: { name: `Live ${status}`, maxConcurrentCalls: 7, retry: { noAnswer: { attempts: 0, backoffS: 60 } }, endBy: "2031-01-01T00:00:00.000Z" } });
      expect(ok.status).toBe(200);
      // The retry policy is validated as a whole: rules not sent get their defaults.
      expect(ok.body["settings"]).toMatchObject({ maxConcurrentCalls: 7, endBy: "2031-01-01T00:00:00.000Z", retry: { noAnswer: { attempts: 0, backoffS: 60 }, busy: { attempts: 2, backoffS: 900 } } });
      const refused = await call("PATCH", `/v1/campaigns/${draft.id}`, { token: w.owner.token, json: { name: "Nope", agentId: w.agentId, startAt: null, maxDurationS: 60, contactMapping: mapping } });
      expectProblem(refused, 409, "conflict");
      expect(refused.body["detail"]).toContain(`the campaign is ${status}: agentId, startAt, maxDurationS, contactMapping cannot change`);
      expect((refused.body["errors"] as { field: string }[]).map((e) => e.field)).toEqual(["body.agentId", "body.startAt", "body.maxDurationS", "body.contactMapping"]);
    }
    expect((await call("GET", `/v1/campaigns/${draft.id}`, { token: w.owner.token })).body["name"]).toBe("Live paused");
  });

  it("lets a completed or cancelled campaign take only a new name", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    for (const status of ["completed", "cancelled"] as const) {
      await setStatus(draft.id, status);
      expect((await call("PATCH", `/v1/campaigns/${draft.id}`, { token: w.owner.token, json: { name: `Done ${status}` } })).status).toBe(200);
      expectProblem(await call("PATCH", `/v1/campaigns/${draft.id}`, { token: w.owner.token, json: { maxConcurrentCalls: 2 } }), 409, "conflict");
    }
  });

  it("refuses a caller number of another space on edit, naming it", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    const res = await call("PATCH", `/v1/campaigns/${draft.id}`, { token: w.owner.token, json: { callerNumberIds: [w.otherNumberId] } });
    expectProblem(res, 400, "validation_failed");
    expect(res.body["errors"]).toEqual([{ field: "body.callerNumberIds.0", message: "not a phone number of this space" }]);
  });
});

describe("deleting a campaign", () => {
  it("deletes a draft, a completed and a cancelled campaign with their items and attempts", async () => {
    const w = await campaignWorld();
    for (const status of ["draft", "completed", "cancelled"] as const) {
      const draft = await createDraft(w);
      const [itemId = ""] = await insertItems(draft.id, w.spaceId, [{ status: "completed", lastOutcome: "completed" }]);
      await insertAttempt(draft.id, itemId, { attemptNumber: 1, outcome: "completed", durationS: 30 });
      await setStatus(draft.id, status);
      expect((await call("DELETE", `/v1/campaigns/${draft.id}`, { token: w.member.token })).status).toBe(204);
      expectProblem(await call("GET", `/v1/campaigns/${draft.id}`, { token: w.member.token }), 404, "not_found");
      const left = await withDb(async (db) => [...(await db.select().from(campaignItems).where(eq(campaignItems.campaignId, draft.id))), ...(await db.select().from(campaignAttempts).where(eq(campaignAttempts.campaignId, draft.id)))]);
      expect(left).toEqual([]);
    }
  });

  it("refuses a running or paused campaign with 409 naming its status", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    for (const status of ["running", "paused"] as const) {
      await setStatus(draft.id, status);
      const res = await call("DELETE", `/v1/campaigns/${draft.id}`, { token: w.owner.token });
      expectProblem(res, 409, "conflict");
      expect(res.body["detail"]).toContain(`the campaign is ${status}`);
    }
  });
});
