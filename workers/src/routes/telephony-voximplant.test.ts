import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import { inboundWebhookLog, sessionCallStatuses, sessions, telephonyConnections } from "@speaknode/db";
import { verifySessionToken } from "@speaknode/tokens";
import { makeWorld, origin, testEnv, withDb, type CallResult } from "../../test/helpers.ts";
import { createApp } from "../app.ts";
import { addNumber, consumeTelephony, newE164, publishedPhoneAgent, recordingTelephonyQueue, type RecordingTelephonyQueue } from "../telephony/testing.ts";
import { telephonyQueueName } from "../telephony/protocol.ts";
import { newScenarioSecret, sealVoximplantSecrets } from "../telephony/voximplant/credentials.ts";
import { makeKeyFile } from "../telephony/voximplant/testing.ts";
import { redacted } from "../telephony/webhook-log.ts";

const app = createApp();

async function voxWorld(opts: { agent?: boolean } = {}) {
  const world = await makeWorld();
  const agentId = await publishedPhoneAgent(world);
  const connectionId = newId("telephonyConnection");
  const key = await makeKeyFile();
  const secret = newScenarioSecret();
  const sealed = await sealVoximplantSecrets(testEnv.SECRETS_KEY, connectionId, { serviceAccountKey: { account_id: key.account_id, key_id: key.key_id, private_key: key.private_key }, scenarioSecret: secret });
  await withDb((db) => db.insert(telephonyConnections).values({ id: connectionId, spaceId: world.spaceId, provider: "voximplant", name: `Vox ${connectionId}`, ...sealed, settings: { applicationId: 1, ruleId: 2, encoding: "ulaw", keyId: key.key_id } }));
  const number = await addNumber({ world, connectionId }, { agentId: opts.agent === false ? null : agentId });
  return { world, agentId, connectionId, secret, ...number };
}
type VoxWorld = Awaited<ReturnType<typeof voxWorld>>;

async function post(w: Pick<VoxWorld, "connectionId" | "secret">, what: "calls" | "events", body: unknown, opts: { secret?: string | null; contentType?: string; queue?: RecordingTelephonyQueue } = {}): Promise<CallResult & { queue: RecordingTelephonyQueue }> {
  const queue = opts.queue ?? recordingTelephonyQueue();
  const headers: Record<string, string> = { "content-type": opts.contentType ?? "application/json" };
  const secret = opts.secret === undefined ? w.secret : opts.secret;
  if (secret !== null) headers["authorization"] = `Bearer ${secret}`;
  const res = await app.request(`${origin}/telephony/voximplant/${w.connectionId}/${what}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) }, { ...env, TELEPHONY_QUEUE: queue.queue });
  const text = await res.text();
  let parsed: CallResult["body"] = {};
  try {
    parsed = JSON.parse(text) as CallResult["body"];
  } catch {
    // empty
  }
  return { status: res.status, headers: res.headers, body: parsed, text, queue };
}

let historyIds = 500_000_000;
const inbound = (w: VoxWorld, over: Record<string, unknown> = {}) => ({ v: 1, callId: crypto.randomUUID(), sessionHistoryId: String(historyIds++), accessUrl: "https://media.fake/request/abc", from: newE164().slice(1), to: w.e164.slice(1), ...over });
const logRows = (connectionId: string) => withDb((db) => db.select().from(inboundWebhookLog).where(eq(inboundWebhookLog.connectionId, connectionId)));

describe("POST /telephony/voximplant/{connectionId}/calls", () => {
  it("connects an inbound call to its agent: a session bound to the VoxImplant session, a single-use bridge token, the request logged with the secret redacted", async () => {
    const w = await voxWorld();
    const req = inbound(w);
    const res = await post(w, "calls", req);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ action: "connect", encoding: "ulaw" });
    const sessionId = String(res.body["sessionId"]);
    const bridge = new URL(String(res.body["bridgeUrl"]));
    const claims = await verifySessionToken(testEnv.RUNTIME_TOKEN_SECRET, bridge.searchParams.get("token") ?? "", "media");
    expect(claims).toMatchObject({ sessionId, agentId: w.agentId, role: "voximplant", callId: req.callId });
    const [row] = await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId)));
    expect(row).toMatchObject({ direction: "inbound", toNumber: w.e164, fromNumber: `+${req.from}`, providerCallId: req.sessionHistoryId, providerControlUrl: req.accessUrl, status: "dispatching" });
    const [log] = await logRows(w.connectionId);
    expect(log).toMatchObject({ provider: "voximplant", kind: "voice", signatureValid: true, outcome: "processed", sessionId, dedupeKey: `${req.sessionHistoryId}:calls`, routing: `session ${sessionId}` });
    expect(log?.headers["authorization"]).toBe(redacted);
    expect(JSON.stringify(log)).not.toContain(w.secret);

    // A retried request for the same VoxImplant session gets the same session, with a new token.
    const again = await post(w, "calls", req);
    expect(again.body["sessionId"]).toBe(sessionId);
    expect(again.body["bridgeUrl"]).not.toBe(res.body["bridgeUrl"]);
    expect(await withDb((db) => db.select().from(sessions).where(eq(sessions.phoneNumberId, w.numberId)))).toHaveLength(1);
  });

  it("rejects calls to numbers that are not imported, or have no agent, with SIP 404", async () => {
    const w = await voxWorld({ agent: false });
    expect((await post(w, "calls", inbound(w))).body).toMatchObject({ action: "reject", sipCode: 404 });
    expect((await post(w, "calls", inbound(w, { to: "15555550199" }))).body).toMatchObject({ action: "reject", sipCode: 404 });
  });

  it("refuses a wrong or missing secret with 401, a body of another shape with 400 and other content with 415, all as problem+json and logged", async () => {
    const w = await voxWorld();
    for (const secret of [null, "wrong", newScenarioSecret()]) {
      const res = await post(w, "calls", inbound(w), { secret });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect((await post({ ...w, connectionId: "tcn_unknown" }, "calls", inbound(w))).status).toBe(401);
    const bad = await post(w, "calls", { v: 1, callId: "x" });
    expect(bad.status).toBe(400);
    expect(bad.body["code"]).toBe("validation_failed");
    expect((await post(w, "calls", "not json")).status).toBe(400);
    expect((await post(w, "calls", "a=b", { contentType: "application/x-www-form-urlencoded" })).status).toBe(415);
    const logs = await logRows(w.connectionId);
    expect(logs.filter((l) => l.outcome === "refused")).toHaveLength(4);
    expect(await withDb((db) => db.select().from(sessions).where(eq(sessions.phoneNumberId, w.numberId)))).toHaveLength(0);
  });
});

describe("POST /telephony/voximplant/{connectionId}/events", () => {
  const event = (sessionId: string, sessionHistoryId: string, over: Record<string, unknown> = {}) => ({ v: 1, seq: 1, callId: "c1", sessionHistoryId, sessionId, event: "failed", sipCode: 486, reason: "Busy Here", at: new Date().toISOString(), ...over });

  it("queues an event once, and the consumer ends the session as Twilio's busy would, idempotently", async () => {
    const w = await voxWorld();
    const req = inbound(w);
    const sessionId = String((await post(w, "calls", req)).body["sessionId"]);
    const queue = recordingTelephonyQueue();
    const res = await post(w, "events", event(sessionId, req.sessionHistoryId), { queue });
    expect(res.status).toBe(204);
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]).toMatchObject({ v: 1, kind: "voximplant.event" });
    expect((await post(w, "events", event(sessionId, req.sessionHistoryId), { queue })).status).toBe(204);
    expect(queue.sent).toHaveLength(1);

    await consumeTelephony(telephonyQueueName, [queue.sent[0], queue.sent[0]]);
    const [row] = await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId)));
    expect(row).toMatchObject({ status: "failed", failureReason: "busy", providerStatus: "busy", hangupCause: "busy (sip 486)" });
    const statuses = await withDb((db) => db.select().from(sessionCallStatuses).where(eq(sessionCallStatuses.sessionId, sessionId)));
    expect(statuses.map((s) => [s.status, s.eventKey])).toEqual([["busy", "busy:1"]]);
    const [log] = (await logRows(w.connectionId)).filter((l) => l.id === queue.sent[0]?.logId);
    expect(log).toMatchObject({ outcome: "processed", sessionId, kind: "status", routing: `status queue → session ${sessionId}` });
  });

  it("refuses events without the secret and events of another shape", async () => {
    const w = await voxWorld();
    expect((await post(w, "events", event("ses_x", "1"), { secret: "nope" })).status).toBe(401);
    const bad = await post(w, "events", event(newId("session"), "1", { event: "exploded" }));
    expect(bad.status).toBe(400);
    expect(bad.queue.sent).toHaveLength(0);
  });
});

describe("the control URL a scenario reports", () => {
  it("is stored only when the SSRF policy allows it: a link-local or private address connects the call but is never kept to be called", async () => {
    const w = await voxWorld();
    for (const accessUrl of ["http://169.254.169.254/latest/meta-data", "https://10.0.0.7/request/abc", "https://[fd00::1]/request"]) {
      const res = await post(w, "calls", inbound(w, { accessUrl }));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ action: "connect" });
      const [row] = await withDb((db) => db.select().from(sessions).where(eq(sessions.id, String(res.body["sessionId"]))));
      expect(row?.providerControlUrl, accessUrl).toBeNull();
    }
  });
});
