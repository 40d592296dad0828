// The phone path end to end against a whole local stack (embedded Postgres, the Worker in wrangler
// dev, the voice runtime with offline speech) and the Twilio simulator in this process: a caller
// rings the demo number (signed voice webhook → TwiML → Media Streams to the runtime → status
// callbacks), the agent calls a simulated phone through the API, answering machines, busy and
// unanswered phones, and a forged webhook. Callers speak with flite (μ-law 8 kHz, real time); what
// the agent said on the line is checked with pocketsphinx, as a listener would hear it.
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { SessionDetail as SessionDetailSchema } from "@speaknode/contracts";
import { createDatabase, demoAgentId, demoPhoneNumber, demoPhoneNumberId, demoTelephonyConnectionId, demoTwilioAccountSid, inboundWebhookLog, sessions } from "@speaknode/db";
import { ws } from "@speaknode/db/node";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import type { TwilioSimulator } from "../simulators/twilio/src/server.ts";
import type { CallReport, ScriptStep } from "../simulators/twilio/src/model.ts";
import { heardInAgentWav } from "./line-asr.ts";

type SessionDetail = z.output<typeof SessionDetailSchema>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-phone-"));
const caller = "+15555550123";
let stack: LocalStack;
let sim: TwilioSimulator;
/** The demo space's owner (the development issuer's tokens last an hour). */
let ownerToken: string;

beforeAll(async () => {
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort(), twilioSimulatorPort: 0 });
  if (!stack.twilio) throw new Error("the stack started without its Twilio simulator");
  sim = stack.twilio;
  ownerToken = await token(stack.url);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ownerToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function detail(sessionId: string): Promise<SessionDetail> {
  const res = await api("GET", `/v1/sessions/${sessionId}`);
  if (!res.ok) throw new Error(`GET /v1/sessions/${sessionId}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SessionDetail;
}

/** The session once it has ended (completed or failed) and the call's final status, which the
 *  Worker's telephony queue consumer records after the callback, is in its history. */
async function endedSession(sessionId: string, timeoutMs = 30_000): Promise<SessionDetail> {
  const deadline = Date.now() + timeoutMs;
  const finalStatuses = ["completed", "busy", "no-answer", "failed", "canceled"];
  let last = await detail(sessionId);
  while (Date.now() < deadline) {
    const ended = last.status === "completed" || last.status === "failed";
    if (ended && last.callStatuses.some((s) => finalStatuses.includes(s.status))) return last;
    await sleep(300);
    last = await detail(sessionId);
  }
  throw new Error(`session ${sessionId} did not end in ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/** The session the voice webhook's TwiML connected the call to (its <Parameter name="sessionId">). */
function sessionIdOf(call: CallReport): string {
  const answer = call.events.find((e) => e.kind === "webhook" && e.purpose === "voice")?.answer;
  const id = typeof answer === "string" ? /name="sessionId" value="(ses_[0-9a-z]+)"/.exec(answer)?.[1] : undefined;
  if (!id) throw new Error(`call ${call.sid} was not connected to a session: ${JSON.stringify(call.events)}`);
  return id;
}

async function callEnded(sid: string, timeoutMs = 60_000): Promise<CallReport> {
  const call = await sim.waitForCall(sid, (c) => ["completed", "busy", "no-answer", "failed", "canceled"].includes(c.status), timeoutMs);
  await sim.statusCallbacksSent(sid);
  return call;
}

/** Whether pocketsphinx hears `word` in what the agent said on the line from `fromMs` on (line-asr.ts). */
function heardOnLine(call: CallReport, word: string | readonly string[], fromMs = 0): boolean {
  const wav = sim.agentWav(call.sid);
  if (!wav) throw new Error(`no agent audio for ${call.sid}`);
  return heardInAgentWav({ call, wav, word, fromMs, scratch });
}

/** Milliseconds of agent speech the line played from `fromMs` of the call's time on. */
function speechAfter(call: CallReport, fromMs: number): number {
  return call.agentAudio.reduce((sum, [start, end]) => sum + Math.max(0, end - Math.max(start, fromMs)), 0);
}

/** A caller that waits for the agent to finish each time before speaking, then hangs up. */
function politeCaller(...steps: ScriptStep[]): ScriptStep[] {
  return [{ waitForAgent: { quietMs: 1500, timeoutMs: 30_000 } }, ...steps, { waitForAgent: { quietMs: 1500, timeoutMs: 30_000 } }, { hangup: true }];
}

async function setVoicemail(voicemail: { action: "hang_up" | "leave_message"; message: string }): Promise<void> {
  const patched = await api("PATCH", `/v1/agents/${demoAgentId}`, { telephony: { voicemail } });
  expect(patched.status, await patched.clone().text()).toBe(200);
  const published = await api("POST", `/v1/agents/${demoAgentId}/publish`);
  expect(published.status, await published.clone().text()).toBe(200);
}

async function placeOutbound(to: string, variables: Record<string, string> = {}): Promise<{ sessionId: string; providerCallId: string }> {
  const res = await api("POST", `/v1/agents/${demoAgentId}/calls`, { to, fromNumberId: demoPhoneNumberId, variables });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { sessionId: string; providerCallId: string };
}

describe("a phone call to the demo number", () => {
  it("reaches the agent: the caller interrupting the greeting makes the runtime clear the line, the question spoken on the phone is recognised, the order checked, the answer heard on the line, and the session completes with the call's facts", async () => {
    // The caller starts talking while the greeting plays (no waiting for the agent first).
    const { callSid } = sim.placeCall({
      from: caller,
      to: demoPhoneNumber,
      script: [
        { pauseMs: 2500 },
        { say: "please check my order number forty two" },
        { waitForAgent: { quietMs: 2500, timeoutMs: 40_000 } },
        { say: "goodbye" },
        { waitForAgent: { quietMs: 1500, timeoutMs: 20_000 } },
        { hangup: true },
      ],
    });
    const call = await callEnded(callSid, 90_000);
    const sessionId = sessionIdOf(call);
    const session = await endedSession(sessionId);

    expect(call.direction).toBe("inbound");
    expect(call.counters.clearsReceived, JSON.stringify(call.events.filter((e) => e.kind !== "webhook"))).toBeGreaterThan(0);
    expect(session.status, JSON.stringify(session)).toBe("completed");
    expect(session.channel).toBe("phone");
    expect(session.direction).toBe("inbound");
    expect(session.phone).toMatchObject({ direction: "inbound", from: caller, to: demoPhoneNumber, phoneNumberId: demoPhoneNumberId, provider: "twilio", providerCallId: callSid });
    const checked = session.toolCalls.find((t) => t.name === "check_order");
    expect(checked, JSON.stringify(session.turns)).toBeDefined();
    expect(checked?.request, JSON.stringify(session.turns)).toMatchObject({ orderId: "42" });
    expect(session.turns.map((t) => t.text)).toContainEqual(expect.stringMatching(/^Order 42: status out for delivery/));
    expect(session.turns.find((t) => t.role === "user")?.text).toMatch(/order|forty|42/i);
    expect(session.turns.some((t) => t.role === "agent" && t.interrupted)).toBe(true);
    expect(session.callStatuses.map((s) => s.status)).toContain("completed");

    // After the barge-in the agent answers the question: "Order 42: status out for delivery…".
    const clearedAt = call.events.find((e) => e.kind === "stream.clear")?.atMs;
    expect(heardOnLine(call, ["delivery", "status"], clearedAt), "the answer's words on the line after the barge-in").toBe(true);
  });

  it("hears keys the caller presses: a dtmf event with the digits, and the agent says which keys", async () => {
    const { callSid } = sim.placeCall({ from: caller, to: demoPhoneNumber, script: politeCaller({ dtmf: "42#" }, { waitForAgent: { quietMs: 1500, timeoutMs: 30_000 } }, { say: "goodbye" }) });
    const call = await callEnded(callSid);
    const session = await endedSession(sessionIdOf(call));

    expect(call.counters.dtmfSent).toBe(3);
    expect(session.status, JSON.stringify(session)).toBe("completed");
    const keys = session.phoneEvents.filter((e) => e.type === "dtmf");
    expect(keys.length, JSON.stringify(session.phoneEvents)).toBeGreaterThan(0);
    expect(keys.map((e) => e.detail)).toContainEqual({ digits: expect.stringContaining("4"), direction: "received" });
    expect(keys.flatMap((e) => ("digits" in e.detail ? [e.detail.digits] : [])).join("")).toBe("42#");
    expect(session.turns.filter((t) => t.role === "agent").map((t) => t.text)).toContainEqual(expect.stringMatching(/You pressed 4, 2, pound/));
  });
});

describe("a call the agent places", () => {
  it("reaches a person through the API: the simulator sees an outbound-api call, the person is heard, and the session completes with the call's statuses and the human verdict", async () => {
    const to = "+15555550199";
    sim.setPhone(to, { answer: "human", script: politeCaller({ say: "please check my order number forty two" }, { waitForAgent: { quietMs: 2500, timeoutMs: 30_000 } }, { say: "goodbye" }) });
    const placed = await placeOutbound(to, { customer_name: "Ada" });
    expect(placed.providerCallId).toMatch(/^CA[0-9a-f]{32}$/);
    const call = await callEnded(placed.providerCallId, 90_000);
    const session = await endedSession(placed.sessionId);

    expect(call).toMatchObject({ direction: "outbound-api", from: demoPhoneNumber, to, status: "completed" });
    expect(session.status, JSON.stringify(session)).toBe("completed");
    expect(session.phone).toMatchObject({ direction: "outbound", from: demoPhoneNumber, to, providerCallId: placed.providerCallId });
    expect(session.turns[0]?.text).toContain("Ada");
    // The person was heard and their order number reached the tool. The exact number is asserted
    // by the inbound call above; here, on a loaded machine, pocketsphinx has heard "forty two" as "two".
    expect(session.toolCalls.find((t) => t.name === "check_order")?.request, JSON.stringify(session.turns)).toMatchObject({ orderId: expect.stringMatching(/^\d{1,12}$/) });
    const statuses = session.callStatuses.map((s) => s.status);
    expect(statuses).toEqual(expect.arrayContaining(["ringing", "in-progress", "completed", "amd:human"]));
  });

  it("hangs up on an answering machine by default, and leaves the agent's message after the beep when told to", async () => {
    const to = "+15555550177";
    sim.setPhone(to, { answer: "machine" });
    const first = await placeOutbound(to);
    const hungUp = await endedSession(first.sessionId, 60_000);
    const firstCall = await callEnded(first.providerCallId);
    expect(hungUp.status, JSON.stringify(hungUp)).toBe("completed");
    expect(hungUp.endReason).toBe("voicemail");
    expect(hungUp.phoneEvents).toContainEqual(expect.objectContaining({ type: "phone.voicemail", detail: expect.objectContaining({ action: "hang_up" }) }));
    // Nothing but the cut-off greeting reached the machine after its beep.
    const firstBeep = firstCall.events.find((e) => e.kind === "machine.beep")?.atMs ?? 0;
    expect(speechAfter(firstCall, firstBeep), JSON.stringify(firstCall.agentAudio)).toBeLessThan(2000);
    expect(heardOnLine(firstCall, "delivery", firstBeep)).toBe(false);

    // "delivery": a word pocketsphinx reliably spots through the line (see heardOnLine).
    await setVoicemail({ action: "leave_message", message: "Hi {{customer_name}}, your order is out for delivery. Please call us back." });
    try {
      const second = await placeOutbound(to, { customer_name: "Ada" });
      const left = await endedSession(second.sessionId, 60_000);
      const call = await callEnded(second.providerCallId);
      expect(left.status, JSON.stringify(left)).toBe("completed");
      expect(left.endReason).toBe("voicemail_left");
      expect(left.phoneEvents).toContainEqual(expect.objectContaining({ type: "phone.voicemail", detail: expect.objectContaining({ action: "leave_message" }) }));
      const message = "Hi Ada, your order is out for delivery. Please call us back.";
      expect(left.turns).toContainEqual(expect.objectContaining({ role: "agent", text: message, interrupted: false }));
      // The machine recorded the whole message after its beep (flite says it in about 4 s), and it is heard.
      const beep = call.events.find((e) => e.kind === "machine.beep")?.atMs;
      expect(beep).toBeDefined();
      expect(speechAfter(call, beep ?? 0), JSON.stringify(call.agentAudio)).toBeGreaterThan(2500);
      expect(heardOnLine(call, "delivery", beep ?? 0)).toBe(true);
    } finally {
      await setVoicemail({ action: "hang_up", message: "" });
    }
  });

  it("fails the session with the reason when the phone is busy or nobody answers", async () => {
    const busy = "+15555550166";
    const silent = "+15555550155";
    sim.setPhone(busy, { answer: "busy" });
    sim.setPhone(silent, { answer: "no-answer", ringMs: 2000 });
    const [a, b] = await Promise.all([placeOutbound(busy), placeOutbound(silent)]);
    const [busySession, silentSession] = await Promise.all([endedSession(a.sessionId), endedSession(b.sessionId)]);
    expect(busySession).toMatchObject({ status: "failed", failureReason: "busy" });
    expect(silentSession).toMatchObject({ status: "failed", failureReason: "no answer" });
    expect(busySession.callStatuses.map((s) => s.status)).toContain("busy");
    expect(silentSession.callStatuses.map((s) => s.status)).toContain("no-answer");
  });
});

describe("a forged voice webhook", () => {
  it("is refused with 403, creates no session, and only the refused request is logged, with its signature invalid", async () => {
    const url = `${stack.url}/telephony/twilio/${demoTelephonyConnectionId}/voice`;
    const callSid = `CA${"f0".repeat(16)}`;
    const params = { CallSid: callSid, AccountSid: demoTwilioAccountSid, From: caller, To: demoPhoneNumber, CallStatus: "ringing", Direction: "inbound", ApiVersion: "2010-04-01" };
    // Signed the way Twilio signs, with a token that is not the account's.
    const signed = url + Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => k + v).join("");
    const signature = createHmac("sha1", "0".repeat(32)).update(signed).digest("base64");
    const handle = createDatabase({ url: stack.database.databaseUrl, localProxy: stack.database.localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof WebSocket, max: 1 });
    try {
      const sessionCount = async () => (await handle.db.select({ n: sql<number>`count(*)::int` }).from(sessions))[0]?.n;
      const before = await sessionCount();
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }, body: new URLSearchParams(params) });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain("<Stream");

      expect(await sessionCount()).toBe(before);
      expect(await handle.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.providerCallId, callSid))).toEqual([]);
      const logged = await handle.db
        .select({ kind: inboundWebhookLog.kind, signatureValid: inboundWebhookLog.signatureValid, outcome: inboundWebhookLog.outcome, sessionId: inboundWebhookLog.sessionId, detail: inboundWebhookLog.detail })
        .from(inboundWebhookLog)
        .where(and(eq(inboundWebhookLog.connectionId, demoTelephonyConnectionId), sql`${inboundWebhookLog.params}->>'CallSid' = ${callSid}`));
      expect(logged).toEqual([{ kind: "voice", signatureValid: false, outcome: "refused", sessionId: null, detail: "signature does not match" }]);
    } finally {
      await handle.close();
    }
  });
});
