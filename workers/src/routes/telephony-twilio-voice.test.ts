import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { verifySessionToken } from "@speaknode/tokens";
import { inboundWebhookLog, sessions } from "@speaknode/db";
import { expectProblem, testEnv, withDb } from "../../test/helpers.ts";
import { addNumber, newCallSid, newE164, phoneWorld, postTwilio, voiceParams, type PhoneWorld } from "../telephony/testing.ts";
import { notInServiceText } from "../telephony/inbound.ts";
import { redacted } from "../telephony/webhook-log.ts";

const logRows = (connectionId: string) => withDb((db) => db.select().from(inboundWebhookLog).where(eq(inboundWebhookLog.connectionId, connectionId)));
const sessionsOf = (numberId: string) => withDb((db) => db.select().from(sessions).where(eq(sessions.phoneNumberId, numberId)));

/** The <Parameter>s of the TwiML's <Stream>, and its URL. */
function streamOf(twiml: string): { url: string; parameters: Record<string, string> } {
  const url = /<Stream url="([^"]+)"/.exec(twiml)?.[1];
  if (!url) throw new Error(`no <Stream> in ${twiml}`);
  const parameters = Object.fromEntries([...twiml.matchAll(/<Parameter name="([^"]+)" value="([^"]+)"\/>/g)].map((m) => [m[1] ?? "", m[2] ?? ""]));
  return { url, parameters };
}

async function expectNotInService(pw: PhoneWorld, to: string): Promise<void> {
  const res = await postTwilio(pw, "voice", { ...voiceParams(pw, newCallSid()), To: to, Called: to });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/xml");
  expect(res.text).toContain(`<Say>${notInServiceText}</Say><Hangup/>`);
  expect(res.text).not.toContain("<Stream");
}

describe("POST /telephony/twilio/{connectionId}/voice", () => {
  it("answers a signed call with the agent's media stream, creating an inbound phone session bound to the CallSid", async () => {
    const pw = await phoneWorld();
    const callSid = newCallSid();
    const from = newE164();
    const res = await postTwilio(pw, "voice", voiceParams(pw, callSid, from));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/xml");
    const stream = streamOf(res.text);
    expect(stream.url).toMatch(/^wss?:\/\/.+\/v1\/twilio\/media-stream$/);
    const sessionId = stream.parameters["sessionId"] ?? "";
    const claims = await verifySessionToken(testEnv.RUNTIME_TOKEN_SECRET, stream.parameters["token"] ?? "", "media");
    expect(claims).toMatchObject({ sessionId, agentId: pw.agentId, role: "phone", callId: callSid });

    const [row] = await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId)));
    expect(row).toMatchObject({ channel: "phone", direction: "inbound", fromNumber: from, toNumber: pw.e164, phoneNumberId: pw.numberId, providerCallId: callSid, status: "dispatching", mediaDriver: "twilio", agentId: pw.agentId });
    const [log] = await logRows(pw.connectionId);
    expect(log).toMatchObject({ kind: "voice", signatureValid: true, sessionId, spaceId: pw.world.spaceId, outcome: "processed", routing: `session ${sessionId}` });
    expect(log?.params["CallSid"]).toBe(callSid);
    expect(log?.headers["x-twilio-signature"]).toBe(redacted);
    // Answered at the edge; queued afterwards only so the consumer records its status.
    expect(res.queue.sent).toEqual([{ v: 1, kind: "twilio.voice", logId: log?.id }]);
  });

  it("answers a replayed webhook of the same call with the same session, never a second one", async () => {
    const pw = await phoneWorld();
    const params = voiceParams(pw, newCallSid());
    const first = streamOf((await postTwilio(pw, "voice", params)).text);
    const again = await postTwilio(pw, "voice", params);
    const second = streamOf(again.text);
    expect(second.parameters["sessionId"]).toBe(first.parameters["sessionId"]);
    expect(second.parameters["token"]).not.toBe(first.parameters["token"]);
    expect(await sessionsOf(pw.numberId)).toHaveLength(1);

    // Once the session is past dispatching, the replay hangs up.
    await withDb((db) => db.update(sessions).set({ status: "failed" }).where(eq(sessions.id, first.parameters["sessionId"] ?? "")));
    const late = await postTwilio(pw, "voice", params);
    expect(late.text).toContain("<Hangup/>");
    expect(late.text).not.toContain("<Stream");
    expect(await sessionsOf(pw.numberId)).toHaveLength(1);
  });

  it("gives another account that signs a webhook with someone else's CallSid no media token for that call", async () => {
    const victim = await phoneWorld();
    const callSid = newCallSid();
    const { parameters } = streamOf((await postTwilio(victim, "voice", voiceParams(victim, callSid))).text);
    const attacker = await phoneWorld();
    const res = await postTwilio(attacker, "voice", voiceParams(attacker, callSid));
    expect(res.status).toBe(200);
    expect(res.text).not.toContain("<Stream");
    expect(res.text).not.toContain(parameters["sessionId"] ?? "");
    expect(await sessionsOf(attacker.numberId)).toEqual([]);
  });

  it("politely refuses a number it does not know, one bound to no agent, one with inbound calls off, and one whose agent is not published", async () => {
    const pw = await phoneWorld();
    await expectNotInService(pw, newE164());
    const unbound = await addNumber(pw, { agentId: null });
    await expectNotInService(pw, unbound.e164);
    const disabled = await addNumber(pw, { agentId: pw.agentId, inboundEnabled: false });
    await expectNotInService(pw, disabled.e164);
    const draft = await addNumber(pw, { agentId: pw.world.agentId });
    await expectNotInService(pw, draft.e164);
    for (const numberId of [unbound.numberId, disabled.numberId, draft.numberId]) expect(await sessionsOf(numberId)).toEqual([]);
    const logs = await logRows(pw.connectionId);
    expect(logs).toHaveLength(4);
    expect(logs.every((l) => l.outcome === "processed" && l.sessionId === null && l.routing === "no session: refused with TwiML")).toBe(true);
  });

  it("answers busy when the number's live calls reach its limit", async () => {
    const pw = await phoneWorld({ maxConcurrentCalls: 2 });
    for (let i = 0; i < 2; i++) expect((await postTwilio(pw, "voice", voiceParams(pw, newCallSid()))).text).toContain("<Stream");
    const busy = await postTwilio(pw, "voice", voiceParams(pw, newCallSid()));
    expect(busy.status).toBe(200);
    expect(busy.text).toContain('<Reject reason="busy"/>');
    expect(await sessionsOf(pw.numberId)).toHaveLength(2);

    // An ended call frees its place.
    const [ended] = await sessionsOf(pw.numberId);
    await withDb((db) => db.update(sessions).set({ status: "completed" }).where(eq(sessions.id, ended?.id ?? "")));
    expect((await postTwilio(pw, "voice", voiceParams(pw, newCallSid()))).text).toContain("<Stream");
  });

  it("refuses a forged or unsigned request with 403, storing only the refused request in the log", async () => {
    const pw = await phoneWorld();
    for (const opts of [{ signWith: "0".repeat(32) }, { signature: null }, { signature: "bm90IGEgc2lnbmF0dXJl" }]) {
      const res = await postTwilio(pw, "voice", voiceParams(pw, newCallSid()), opts);
      expectProblem(res, 403, "forbidden");
    }
    const logs = await logRows(pw.connectionId);
    expect(logs).toHaveLength(3);
    expect(logs.every((l) => l.outcome === "refused" && !l.signatureValid && l.sessionId === null && l.routing === "nowhere: the signature does not match")).toBe(true);
    expect(await sessionsOf(pw.numberId)).toEqual([]);
  });

  it("refuses an unknown connection with the same 403, logged without a connection", async () => {
    const pw = await phoneWorld();
    const callSid = newCallSid();
    const res = await postTwilio({ connectionId: "tcn_00000000000000000000000000", authToken: pw.authToken }, "voice", voiceParams(pw, callSid));
    expectProblem(res, 403, "forbidden");
    const rows = await withDb((db) => db.select().from(inboundWebhookLog).where(and(eq(inboundWebhookLog.dedupeKey, `${callSid}:voice`))));
    expect(rows).toEqual([]);
    const refused = await withDb((db) => db.select().from(inboundWebhookLog).where(eq(inboundWebhookLog.requestId, res.headers.get("x-request-id") ?? "")));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ connectionId: null, spaceId: null, outcome: "refused", detail: "unknown connection", routing: "no connection for this URL" });
  });

  it("answers 400 for a body that is not a form, and 413 for one larger than Twilio sends", async () => {
    const pw = await phoneWorld();
    expectProblem(await postTwilio(pw, "voice", {}, { headers: { "content-type": "application/json" }, body: "{}" }), 400, "malformed_request");
    expectProblem(await postTwilio(pw, "voice", {}, { body: `a=${"x".repeat(70_000)}` }), 413, "payload_too_large");
  });
});
