// What a campaign shows: the summary computed from items and attempts (in the list too), items
// paged in file order with filters, one item with its attempts, the sessions of a campaign, the
// streamed CSV export (RFC 4180 quoting, formulas made inert), and the live-progress URL whose
// token opens this campaign's progress only.
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { newId } from "@speaknode/contracts";
import { sessions } from "@speaknode/db";
import { signCampaignEventsToken, signSessionToken } from "@speaknode/tokens";
import { call, expectProblem, origin, testEnv, withDb } from "../../test/helpers.ts";
import { campaignWorld, createDraft, insertAttempt, insertItems, setStatus } from "../campaigns/campaigns-testing.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("a campaign's summary", () => {
  it("counts items by status and latest outcome, attempts, average talk time and minutes rounded up per call, in the detail and the list", async () => {
    const w = await campaignWorld();
    const older = await createDraft(w, { name: "Older" });
    const draft = await createDraft(w, { name: "Newer" });
    const [done1 = "", done2 = "", vm = "", busy = ""] = await insertItems(draft.id, w.spaceId, [
      { status: "completed", lastOutcome: "completed", attempts: 1 },
      { status: "completed", lastOutcome: "completed", attempts: 2 },
      { status: "failed", lastOutcome: "voicemail", attempts: 2 },
      { status: "scheduled", lastOutcome: "busy", attempts: 1 },
      { status: "failed", lastOutcome: "no_answer" },
      { status: "failed", lastOutcome: "failed", lastError: "the line broke" },
      {},
    ]);
    await insertAttempt(draft.id, done1, { attemptNumber: 1, outcome: "completed", durationS: 61 });
    await insertAttempt(draft.id, done2, { attemptNumber: 1, outcome: "no_answer", durationS: 0 });
    await insertAttempt(draft.id, done2, { attemptNumber: 2, outcome: "completed", durationS: 30 });
    await insertAttempt(draft.id, vm, { attemptNumber: 1, outcome: "voicemail", durationS: 20 });
    await insertAttempt(draft.id, vm, { attemptNumber: 2, outcome: "voicemail", durationS: null });
    await insertAttempt(draft.id, busy, { attemptNumber: 1, outcome: "busy" });
    const expected = {
      total: 7,
      byStatus: { pending: 1, scheduled: 1, in_progress: 0, completed: 2, failed: 3, skipped: 0, cancelled: 0 },
      reached: 2,
      completed: 2,
      voicemail: 1,
      noAnswer: 1,
      busy: 1,
      failed: 1,
      attempts: 6,
      // (61 + 30 + 20) / 3 calls that lasted; minutes 2 + 1 + 1.
      averageDurationS: 37,
      minutesUsed: 4,
    };
    const detail = await call("GET", `/v1/campaigns/${draft.id}`, { token: w.member.token });
    expect(detail.status).toBe(200);
    expect(detail.body["summary"]).toEqual(expected);
    const list = await call("GET", `/v1/spaces/${w.spaceId}/campaigns`, { token: w.apiKey });
    expect(list.status).toBe(200);
    expect(list.body.data?.map((c) => c["id"])).toEqual([draft.id, older.id]);
    expect(list.body.data?.[0]?.["summary"]).toEqual(expected);
    expect(list.body.data?.[1]?.["summary"]).toMatchObject({ total: 0, attempts: 0, averageDurationS: null, minutesUsed: 0 });
    const page = await call("GET", `/v1/spaces/${w.spaceId}/campaigns?limit=1`, { token: w.apiKey });
    expect(page.body.data?.map((c) => c["id"])).toEqual([draft.id]);
    const next = await call("GET", `/v1/spaces/${w.spaceId}/campaigns?limit=1&cursor=${String(page.body["nextCursor"])}`, { token: w.apiKey });
    expect(next.body.data?.map((c) => c["id"])).toEqual([older.id]);
    expect(next.body["nextCursor"]).toBeNull();
    await setStatus(older.id, "running");
    const running = await call("GET", `/v1/spaces/${w.spaceId}/campaigns?status=running`, { token: w.apiKey });
    expect(running.body.data?.map((c) => c["id"])).toEqual([older.id]);
  });
});

describe("a campaign's items", () => {
  it("pages in file order and filters by status, latest outcome and phone digits", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    await insertItems(draft.id, w.spaceId, [
      { phone: "+14155550101", status: "completed", lastOutcome: "completed" },
      { phone: "+14155550102" },
      { phone: "+442079460003", status: "failed", lastOutcome: "busy" },
      { phone: "+14155550104", status: "failed", lastOutcome: "no_answer" },
      { phone: "+14155550105" },
    ]);
    const phones = (res: Awaited<ReturnType<typeof call>>) => res.body.data?.map((i) => i["phone"]);
    const base = `/v1/campaigns/${draft.id}/items`;
    const first = await call("GET", `${base}?limit=2`, { token: w.member.token });
    expect(first.status).toBe(200);
    expect(phones(first)).toEqual(["+14155550101", "+14155550102"]);
    expect(first.body.data?.[0]).toMatchObject({ rowNumber: 1, status: "completed", lastOutcome: "completed", attempts: 0, variables: { customer_name: "Contact 1", order_id: 1 } });
    const second = await call("GET", `${base}?limit=2&cursor=${encodeURIComponent(String(first.body["nextCursor"]))}`, { token: w.member.token });
    expect(phones(second)).toEqual(["+442079460003", "+14155550104"]);
    const third = await call("GET", `${base}?limit=2&cursor=${encodeURIComponent(String(second.body["nextCursor"]))}`, { token: w.member.token });
    expect(phones(third)).toEqual(["+14155550105"]);
    expect(third.body["nextCursor"]).toBeNull();
    expect(phones(await call("GET", `${base}?status=failed`, { token: w.member.token }))).toEqual(["+442079460003", "+14155550104"]);
    expect(phones(await call("GET", `${base}?outcome=busy`, { token: w.member.token }))).toEqual(["+442079460003"]);
    expect(phones(await call("GET", `${base}?phone=%2B4420`, { token: w.member.token }))).toEqual(["+442079460003"]);
    expect(phones(await call("GET", `${base}?phone=0104`, { token: w.member.token }))).toEqual(["+14155550104"]);
    expectProblem(await call("GET", `${base}?cursor=nonsense`, { token: w.member.token }), 400, "validation_failed");
  });

  it("shows one item with its attempts in order; an item of another campaign is a 404", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    const other = await createDraft(w);
    const [itemId = ""] = await insertItems(draft.id, w.spaceId, [{ status: "completed", lastOutcome: "completed", attempts: 2 }]);
    const [otherItem = ""] = await insertItems(other.id, w.spaceId, [{}]);
    await insertAttempt(draft.id, itemId, { attemptNumber: 2, outcome: "completed", durationS: 40 });
    await insertAttempt(draft.id, itemId, { attemptNumber: 1, outcome: "busy" });
    const res = await call("GET", `/v1/campaigns/${draft.id}/items/${itemId}`, { token: w.member.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: itemId, status: "completed" });
    expect((res.body["attemptHistory"] as Record<string, unknown>[]).map((a) => [a["attemptNumber"], a["outcome"], a["durationS"], a["state"]])).toEqual([
      [1, "busy", null, "ended"],
      [2, "completed", 40, "ended"],
    ]);
    expectProblem(await call("GET", `/v1/campaigns/${draft.id}/items/${otherItem}`, { token: w.member.token }), 404, "not_found");
  });

  it("lists the sessions of one campaign with ?campaignId=", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    const sessionId = newId("session");
    await withDb((db) => db.insert(sessions).values({ id: sessionId, spaceId: w.spaceId, agentId: w.agentId, channel: "phone", language: "en-US", mediaDriver: "local", campaignId: draft.id }));
    await withDb((db) => db.insert(sessions).values({ id: newId("session"), spaceId: w.spaceId, agentId: w.agentId, channel: "phone", language: "en-US", mediaDriver: "local" }));
    const res = await call("GET", `/v1/spaces/${w.spaceId}/sessions?campaignId=${draft.id}`, { token: w.member.token });
    expect(res.status).toBe(200);
    expect(res.body.data?.map((s) => s["id"])).toEqual([sessionId]);
  });
});

/** RFC 4180 records of a CSV text (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") record.push(field), (field = "");
    else if (ch === "\r" && text[i + 1] === "\n") record.push(field), records.push(record), (record = []), (field = ""), i++;
    else field += ch;
  }
  return records;
}

describe("exporting a campaign's items as CSV", () => {
  it("streams every row with quoting per RFC 4180, formulas made inert and a session link", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    const sessionId = newId("session");
    await insertItems(draft.id, w.spaceId, [
      { phone: "+14155550101", status: "completed", lastOutcome: "completed", attempts: 1, lastSessionId: sessionId, variables: { customer_name: 'Ada "the" Lovelace, PhD', order_id: 42 } },
      { phone: "+14155550102", status: "failed", lastOutcome: "failed", lastError: "line one\nline two", variables: { customer_name: "=HYPERLINK(\"http://evil\")", order_id: -5, phone: "@SUM(A1)" } },
      { phone: "+14155550103", variables: { customer_name: "+1 dial", vip: true } },
    ]);
    const res = await call("GET", `/v1/campaigns/${draft.id}/items.csv`, { token: w.member.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="campaign-${draft.id}.csv"`);
    expect(res.text.endsWith("\r\n")).toBe(true);
    expect(parseCsv(res.text)).toEqual([
      ["row", "phone", "status", "attempts", "last_outcome", "last_error", "last_session_id", "session_url", "analysis_status", "analysis_passed", "analysis_score", "analysis_summary", "customer_name", "order_id", "variables.phone", "vip"],
      ["1", "+14155550101", "completed", "1", "completed", "", sessionId, `http://127.0.0.1:8787/app/spaces/${w.spaceId}/sessions/${sessionId}`, "", "", "", "", 'Ada "the" Lovelace, PhD', "42", "", ""],
      ["2", "+14155550102", "failed", "0", "failed", "line one\nline two", "", "", "", "", "", "", "'=HYPERLINK(\"http://evil\")", "-5", "'@SUM(A1)", ""],
      ["3", "+14155550103", "pending", "0", "", "", "", "", "", "", "", "", "'+1 dial", "", "", "true"],
    ]);
  });

  it("walks past one page of rows without losing or repeating any", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    await insertItems(
      draft.id,
      w.spaceId,
      Array.from({ length: 2345 }, () => ({})),
    );
    const res = await call("GET", `/v1/campaigns/${draft.id}/items.csv`, { token: w.member.token });
    const rows = parseCsv(res.text).slice(1);
    expect(rows.length).toBe(2345);
    expect(new Set(rows.map((r) => r[0])).size).toBe(2345);
    expect(rows.at(-1)?.[0]).toBe("2345");
  }, 60_000);
});

describe("a campaign's live progress URL", () => {
  it("opens the runner's progress socket with the URL's token: a welcome with the campaign's totals", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    await insertItems(draft.id, w.spaceId, [{}, { status: "completed", lastOutcome: "completed" }]);
    const detail = await call("GET", `/v1/campaigns/${draft.id}`, { token: w.member.token });
    const url = new URL(String(detail.body["eventsUrl"]));
    const fetcher = (exports as unknown as { default: { fetch: (r: Request) => Promise<Response> } }).default;
    const res = await fetcher.fetch(new Request(`${origin}${url.pathname}${url.search}`, { headers: { upgrade: "websocket" } }));
    expect(res.status).toBe(101);
    const socket = res.webSocket;
    if (!socket) throw new Error("no WebSocket in the upgrade response");
    const first = new Promise<string>((resolve) => socket.addEventListener("message", (e) => resolve(String(e.data)), { once: true }));
    socket.accept();
    const welcome = JSON.parse(await first) as { type: string; protocolVersion: number; progress: { campaignId: string; total: number } };
    expect(welcome).toMatchObject({ type: "welcome", protocolVersion: 1, progress: { campaignId: draft.id, total: 2 } });
    socket.close(1000, "done");
  });

  it("carries a campaign token that the live route checks against the campaign; session tokens are refused", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    const other = await createDraft(w);
    const detail = await call("GET", `/v1/campaigns/${draft.id}`, { token: w.member.token });
    const url = new URL(String(detail.body["eventsUrl"]));
    expect(url.protocol).toBe("ws:");
    expect(url.pathname).toBe(`/live/campaigns/${draft.id}`);
    const ws = { upgrade: "websocket", connection: "Upgrade" };
    const live = (id: string, token: string) => call("GET", `/live/campaigns/${id}?token=${encodeURIComponent(token)}`, { headers: ws });
    // The URL's token is refused for another campaign, and a session's events token (same secret) for this one.
    expectProblem(await live(other.id, url.searchParams.get("token") ?? ""), 401, "unauthorized");
    const sessionToken = await signSessionToken(testEnv.RUNTIME_TOKEN_SECRET, { sessionId: draft.id, agentId: w.agentId, scope: "events", ttlS: 600, role: "viewer" });
    expectProblem(await live(draft.id, sessionToken), 401, "unauthorized");
    expectProblem(await live(draft.id, await signCampaignEventsToken(testEnv.RUNTIME_TOKEN_SECRET, { campaignId: draft.id, ttlS: -60 })), 401, "unauthorized");
    expectProblem(await live(draft.id, ""), 401, "unauthorized");
    // Not a WebSocket upgrade: refused before the token is looked at.
    expectProblem(await call("GET", `/live/campaigns/${draft.id}?token=x`), 400, "malformed_request");
    // A campaign token is no session's events token either.
    const asSession = await call("GET", `/live/sessions/${newId("session")}?token=${encodeURIComponent(url.searchParams.get("token") ?? "")}`, { headers: ws });
    expectProblem(asSession, 401, "unauthorized");
  });
});
