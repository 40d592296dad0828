// The session runner on a phone call, in text mode with the scripted LLM and a fake phone line
// (what a phone transport hands the runner): pressed keys reach the LLM, the agent presses keys
// and transfers the caller, an answering machine is hung up on or left a message, and a number
// with recording off is not recorded.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { llm } from "@livekit/agents";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RuntimeConfig, RuntimeEvent, RuntimePhone, RuntimeTool } from "@speaknode/contracts";
import { RuntimeApi } from "../api/client.ts";
import { setLogLevel } from "../log.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { createHttpGuard } from "../tools/http-guard.ts";
import type { CallEnd, PhoneLine } from "../transport/types.ts";
import { FixedLatencySTT, FixedLatencyTTS } from "../../test/fake-providers.ts";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../test/fixtures.ts";
import { startSession, type CallIo, type RunnerDeps, type RunningSession } from "./runner.ts";

let api: FakeRuntimeApi;
let recordingDir: string;

beforeAll(async () => {
  api = await startFakeRuntimeApi();
  recordingDir = await mkdtemp(join(tmpdir(), "runner-phone-"));
});
afterAll(async () => {
  await api?.close();
  if (recordingDir) await rm(recordingDir, { recursive: true, force: true });
});

function deps(recording = false): RunnerDeps {
  const none = undefined;
  const providers = new ProviderRegistry(
    { openaiApiKey: none, openaiBaseUrl: none, openrouterApiKey: none, llmApiKey: none, llmBaseUrl: none, deepgramApiKey: none, elevenlabsApiKey: none, cartesiaApiKey: none },
    {
      stt: { fake: (_choice, language) => new FixedLatencySTT({ latencyMs: 0, transcripts: [], language }) },
      tts: { fake: () => new FixedLatencyTTS({ ttfbMs: 0 }) },
    },
  );
  return {
    api: new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "runner-phone-test", attempts: 1, retryBaseMs: 10 }),
    providers,
    guard: createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] }),
    heartbeatIntervalMs: 100,
    maxResponseChars: 8000,
    recording: { enabled: recording, dir: recordingDir },
  };
}

/** A phone line as a transport would hand it over: the test presses keys and gives verdicts; sent keys are kept. */
function fakePhoneLine() {
  const keyListeners = new Set<(digit: string) => void>();
  const verdictListeners = new Set<(answeredBy: string) => void>();
  const sent: string[] = [];
  const line: PhoneLine = {
    provider: "twilio",
    callId: "CA00000000000000000000000000000001",
    onDtmf: (listener) => (keyListeners.add(listener), () => void keyListeners.delete(listener)),
    sendDtmf: async (digits) => void sent.push(digits),
    onAnsweredBy: (listener) => (verdictListeners.add(listener), () => void verdictListeners.delete(listener)),
  };
  return {
    line,
    sent,
    press: (keys: string) => [...keys].forEach((key) => keyListeners.forEach((l) => l(key))),
    answeredBy: (verdict: string) => verdictListeners.forEach((l) => l(verdict)),
    listeners: () => keyListeners.size + verdictListeners.size,
  };
}

function phoneOf(overrides: Partial<RuntimePhone> = {}): RuntimePhone {
  return {
    provider: "twilio",
    direction: "inbound",
    from: "+14155550100",
    to: "+14155550199",
    providerCallId: "CA00000000000000000000000000000001",
    recordingEnabled: true,
    voicemail: { action: "hang_up", message: "" },
    ...overrides,
  };
}

function phoneConfig(sessionId: string, phone: RuntimePhone | null, tools: RuntimeTool[] = []): RuntimeConfig {
  return { ...runtimeConfig({ sessionId, llm: "scripted", tools }), channel: phone ? "phone" : "api", phone };
}

function phoneCall(sessionId: string, line: PhoneLine | undefined) {
  let hangUp!: (end: CallEnd) => void;
  const ended = new Promise<CallEnd>((resolve) => (hangUp = resolve));
  const closedWith: string[] = [];
  const io: CallIo = {
    sessionId,
    attach: () => ({}),
    ended,
    setBackground: () => undefined,
    close: async (reason) => void closedWith.push(reason),
    ...(line ? { phone: line } : {}),
  };
  return { io, hangUp, closedWith };
}

async function started(io: CallIo, recording = false): Promise<RunningSession> {
  const result = await startSession(io, deps(recording));
  if (!("session" in result)) throw new Error(`the session did not start: ${result.reason}`);
  return result;
}

const sendDtmf: RuntimeTool = { type: "system", name: "send_dtmf", description: "Press keys on the phone.", targets: [], destinations: [] };
const transferToNumber: RuntimeTool = {
  type: "system",
  name: "transfer_to_number",
  description: "Transfer the caller to a person.",
  targets: [],
  destinations: [{ name: "billing desk", number: "+14155550123", when: "the caller asks about an invoice", announcement: "Transferring you to our billing desk now." }],
};

const turns = (events: RuntimeEvent[]) => events.flatMap((e) => (e.type === "turn" ? [[e.role, e.text] as const] : []));
const ofType = <T extends RuntimeEvent["type"]>(events: RuntimeEvent[], type: T) => events.filter((e): e is Extract<RuntimeEvent, { type: T }> => e.type === type);

describe("a phone call's session", () => {
  it("gives the keys the caller presses to the LLM as one input, reports them as dtmf events, and never logs them", async () => {
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
    setLogLevel("debug");
    try {
      const sid = newSessionId();
      api.sessions.set(sid, phoneConfig(sid, phoneOf()));
      const phone = fakePhoneLine();
      const call = phoneCall(sid, phone.line);
      const { outcome } = await started(call.io);
      phone.press("9*7#");
      await expect.poll(() => turns(api.eventsOf(sid)), { timeout: 5000 }).toEqual(
        expect.arrayContaining([
          ["user", "The caller pressed these keys on the phone keypad: 9 * 7 #"],
          ["agent", "You pressed 9, star, 7, pound."],
        ]),
      );
      // Without a #, the keys go together once the caller pauses.
      phone.press("45");
      await expect.poll(() => ofType(api.eventsOf(sid), "dtmf"), { timeout: 5000 }).toHaveLength(2);
      expect(ofType(api.eventsOf(sid), "dtmf")).toEqual([
        { type: "dtmf", digits: "9*7#", direction: "received" },
        { type: "dtmf", digits: "45", direction: "received" },
      ]);
      call.hangUp({ reason: "caller hung up", failed: false });
      expect(await outcome).toMatchObject({ status: "completed", reason: "caller_hung_up" });
      expect(phone.listeners()).toBe(0);
    } finally {
      setLogLevel("warn"); // the test setup's level
      spy.mockRestore();
    }
    expect(stderr.join("")).toContain("session active");
    expect(stderr.join("")).not.toMatch(/9\*7|9 \* 7/);
  });

  it("presses keys on the phone line with send_dtmf and reports the tool call and a sent dtmf event", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, phoneConfig(sid, phoneOf({ direction: "outbound" }), [sendDtmf]));
    const phone = fakePhoneLine();
    const call = phoneCall(sid, phone.line);
    const { session, outcome } = await started(call.io);
    await session.run({ userInput: "Please press 1 2 3 pound" }).wait();
    expect(phone.sent).toEqual(["123#"]);
    call.hangUp({ reason: "caller hung up", failed: false });
    await outcome;
    const events = api.eventsOf(sid);
    expect(ofType(events, "tool.call")).toEqual([expect.objectContaining({ name: "send_dtmf", request: { digits: "123#" }, status: "ok" })]);
    expect(ofType(events, "dtmf")).toEqual([{ type: "dtmf", digits: "123#", direction: "sent" }]);
  });

  it("answers send_dtmf with an error on a call that has no phone line, and offers neither phone tool off the phone", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, phoneConfig(sid, phoneOf(), [sendDtmf, transferToNumber]));
    const call = phoneCall(sid, undefined);
    const { session, outcome } = await started(call.io);
    await session.run({ userInput: "press 5" }).wait();
    call.hangUp({ reason: "caller hung up", failed: false });
    await outcome;
    expect(ofType(api.eventsOf(sid), "tool.call")).toEqual([expect.objectContaining({ name: "send_dtmf", status: "error", error: expect.stringMatching(/only be sent on phone calls/) })]);
    expect(ofType(api.eventsOf(sid), "dtmf")).toEqual([]);

    const web = newSessionId();
    api.sessions.set(web, phoneConfig(web, null, [sendDtmf, transferToNumber]));
    const webCall = phoneCall(web, undefined);
    const running = await started(webCall.io);
    expect(Object.keys(running.session.currentAgent.toolCtx.functionTools)).toEqual([]);
    webCall.hangUp({ reason: "caller hung up", failed: false });
    await running.outcome;
  });

  it("announces and transfers the caller to a named destination through the platform, then completes as transferred when the stream stops", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, phoneConfig(sid, phoneOf(), [transferToNumber]));
    const call = phoneCall(sid, fakePhoneLine().line);
    const { session, outcome } = await started(call.io);
    await session.run({ userInput: "Please transfer me to the billing desk" }).wait();
    expect(await api.waitFor(sid, "phone.transferred", 5000)).toEqual({ type: "phone.transferred", destination: "billing desk" });
    expect(api.transfers.filter((t) => t.sessionId === sid)).toEqual([{ sessionId: sid, destination: "billing desk" }]);
    expect(turns(api.eventsOf(sid))).toContainEqual(["agent", "Transferring you to our billing desk now."]);
    // The Worker's <Dial> ends the media stream; the transport may see that as abrupt.
    call.hangUp({ reason: "media stream stopped", failed: true });
    expect(await outcome).toMatchObject({ status: "completed", reason: "transferred" });
    const events = api.eventsOf(sid);
    expect(ofType(events, "tool.call")).toEqual([expect.objectContaining({ name: "transfer_to_number", request: { destination: "billing desk" }, status: "ok" })]);
    expect(events.at(-1)).toMatchObject({ type: "completed", endReason: "transferred" });
  });

  it("goes on with the conversation when the platform refuses the transfer", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, phoneConfig(sid, phoneOf(), [transferToNumber]));
    const call = phoneCall(sid, fakePhoneLine().line);
    const { session, outcome } = await started(call.io);
    api.refuseTransfers = 409;
    try {
      await session.run({ userInput: "Please transfer me to the billing desk" }).wait();
    } finally {
      api.refuseTransfers = undefined;
    }
    await expect.poll(() => ofType(api.eventsOf(sid), "tool.call"), { timeout: 5000 }).toEqual([expect.objectContaining({ name: "transfer_to_number", status: "error" })]);
    await expect.poll(() => turns(api.eventsOf(sid)).some(([role, text]) => role === "agent" && /couldn't transfer to number/.test(text)), { timeout: 5000 }).toBe(true);
    expect(ofType(api.eventsOf(sid), "phone.transferred")).toEqual([]);
    call.hangUp({ reason: "caller hung up", failed: false });
    expect(await outcome).toMatchObject({ status: "completed", reason: "caller_hung_up" });
  });

  it("offers only the configured destinations: asked for another, the agent asks which and transfers nobody", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, phoneConfig(sid, phoneOf(), [transferToNumber]));
    const call = phoneCall(sid, fakePhoneLine().line);
    const { session, outcome } = await started(call.io);
    const parameters = session.currentAgent.toolCtx.functionTools["transfer_to_number"]?.parameters;
    expect(JSON.stringify(parameters ? llm.toJsonSchema(parameters, false) : null)).toContain('"enum":["billing desk"]');
    await session.run({ userInput: "transfer me to the legal department" }).wait();
    call.hangUp({ reason: "caller hung up", failed: false });
    await outcome;
    expect(turns(api.eventsOf(sid)).at(-1)).toEqual(["agent", "To transfer to number, I need the destination. What is the destination? I can use billing desk."]);
    expect(ofType(api.eventsOf(sid), "tool.call")).toEqual([]);
    expect(api.transfers.filter((t) => t.sessionId === sid)).toEqual([]);
  });

  it("hangs up at once when an answering machine picks up an outbound call whose policy is to hang up", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, phoneConfig(sid, phoneOf({ direction: "outbound", voicemail: { action: "hang_up", message: "" } })));
    const phone = fakePhoneLine();
    const call = phoneCall(sid, phone.line);
    const { outcome } = await started(call.io);
    phone.answeredBy("machine_start");
    expect(await outcome).toMatchObject({ status: "completed", reason: "voicemail" });
    expect(call.closedWith).toEqual(["the agent ended the call"]);
    const events = api.eventsOf(sid);
    expect(ofType(events, "phone.voicemail")).toEqual([{ type: "phone.voicemail", answeredBy: "machine_start", action: "hang_up" }]);
    expect(events.at(-1)).toMatchObject({ type: "completed", endReason: "voicemail" });
  });

  it("waits for the beep, says the voicemail message and ends as voicemail_left when the policy leaves a message", async () => {
    const sid = newSessionId();
    const message = "Hi Ada, this is Reception about your order. Please call us back.";
    api.sessions.set(sid, phoneConfig(sid, phoneOf({ direction: "outbound", voicemail: { action: "leave_message", message } })));
    const phone = fakePhoneLine();
    const call = phoneCall(sid, phone.line);
    const { session, outcome } = await started(call.io);
    phone.answeredBy("human");
    phone.answeredBy("machine_start");
    // Neither a person nor the start of a greeting ends anything: the conversation goes on.
    await session.run({ userInput: "hello" }).wait();
    await expect.poll(() => turns(api.eventsOf(sid)).some(([role, text]) => role === "user" && text === "hello"), { timeout: 5000 }).toBe(true);
    expect(ofType(api.eventsOf(sid), "phone.voicemail")).toEqual([]);
    phone.answeredBy("machine_end_beep");
    expect(await outcome).toMatchObject({ status: "completed", reason: "voicemail_left" });
    const events = api.eventsOf(sid);
    expect(ofType(events, "phone.voicemail")).toEqual([{ type: "phone.voicemail", answeredBy: "machine_end_beep", action: "leave_message" }]);
    expect(turns(events).at(-1)).toEqual(["agent", message]);
    expect(events.at(-1)).toMatchObject({ type: "completed", endReason: "voicemail_left" });
  });

  it("does not record a call on a number with recording off", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, phoneConfig(sid, phoneOf({ recordingEnabled: false })));
    const call = phoneCall(sid, fakePhoneLine().line);
    const { session, outcome } = await started(call.io, true);
    await session.run({ userInput: "Hello" }).wait();
    call.hangUp({ reason: "caller hung up", failed: false });
    expect(await outcome).toMatchObject({ status: "completed" });
    expect(api.recordings.filter((r) => r.sessionId === sid)).toEqual([]);
    expect(api.eventsOf(sid).at(-1)).toMatchObject({ type: "completed", audioAvailable: false });
    expect((await readdir(recordingDir)).filter((name) => name.includes(sid))).toEqual([]);
  });
});
