import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mulawEncode, tone } from "./audio.ts";
import { startTwilioSimulator, type TwilioSimulator } from "./server.ts";
import { fakeSpeak, startFakeRuntime, startWebhookServer, testAccount, type FakeRuntime, type StreamMessage, type WebhookServer } from "./test-harness.ts";

const number = { sid: "PN00000000000000000000000000000001", phoneNumber: "+15550000001" };
const caller = "+15557654321";

function streamTwiml(runtime: FakeRuntime, after = ""): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${runtime.url}"><Parameter name="sessionId" value="ses_1"/><Parameter name="token" value="a&amp;b"/></Stream></Connect>${after}</Response>`;
}

describe("an inbound call through the simulator", () => {
  let sim: TwilioSimulator;
  let hooks: WebhookServer;
  let runtime: FakeRuntime;
  let twiml = "";

  beforeEach(async () => {
    runtime = await startFakeRuntime();
    twiml = streamTwiml(runtime);
    hooks = await startWebhookServer((hook) => (hook.path === "/voice" ? { body: twiml } : { body: "" }));
    sim = await startTwilioSimulator({ accounts: [{ ...testAccount, numbers: [{ ...number, voiceUrl: `${hooks.url}/voice`, statusCallback: `${hooks.url}/status` }] }], speak: fakeSpeak });
  });

  afterEach(async () => {
    await sim.close();
    await hooks.close();
    await runtime.close();
  });

  it("posts a signed voice webhook with Twilio's parameters and opens the stream the TwiML names", async () => {
    const { callSid } = sim.placeCall({ from: caller, to: number.phoneNumber, script: [] });
    const start = await runtime.next("start");
    const voice = hooks.received.find((h) => h.path === "/voice");
    expect(voice?.params).toMatchObject({ CallSid: callSid, AccountSid: testAccount.accountSid, From: caller, To: number.phoneNumber, Caller: caller, Called: number.phoneNumber, CallStatus: "ringing", Direction: "inbound", ApiVersion: "2010-04-01" });
    expect(voice && hooks.signedWith(voice, testAccount.authToken)).toBe(true);
    expect(voice && hooks.signedWith(voice, "another-token")).toBe(false);
    expect(runtime.messages[0]).toEqual({ event: "connected", protocol: "Call", version: "1.0.0" });
    const streamSid = (start.start as { streamSid: string }).streamSid;
    expect(start).toEqual({
      event: "start",
      sequenceNumber: "1",
      streamSid,
      start: { accountSid: testAccount.accountSid, streamSid, callSid, tracks: ["inbound"], customParameters: { sessionId: "ses_1", token: "a&b" }, mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } },
    });
    expect(streamSid).toMatch(/^MZ[0-9a-f]{32}$/);
  });

  it("sends the caller's audio as 20 ms μ-law frames with increasing chunks, then DTMF, then stop when the caller hangs up", async () => {
    const { callSid } = sim.placeCall({ from: caller, to: number.phoneNumber, script: [{ say: "hello there" }, { dtmf: "4#" }, { pauseMs: 100 }, { hangup: true }] });
    await runtime.next("stop");
    const media = runtime.messages.filter((m) => m.event === "media").map((m) => m.media as { track: string; chunk: string; timestamp: string; payload: string });
    expect(media.length).toBeGreaterThan(10);
    for (const m of media) {
      expect(m.track).toBe("inbound");
      expect(Buffer.from(m.payload, "base64").length).toBe(160);
    }
    expect(media.map((m) => Number(m.chunk))).toEqual(media.map((_, i) => i + 1));
    const sequence = runtime.messages.filter((m) => m.event !== "connected").map((m) => Number(m.sequenceNumber));
    expect(sequence).toEqual(sequence.map((_, i) => i + 1));
    const stamps = media.map((m) => Number(m.timestamp));
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
    const dtmf = runtime.messages.filter((m) => m.event === "dtmf");
    expect(dtmf.map((m) => m.dtmf)).toEqual([{ track: "inbound_track", digit: "4" }, { track: "inbound_track", digit: "#" }]);
    const stop = runtime.messages.at(-1) as StreamMessage;
    expect(stop).toMatchObject({ event: "stop", stop: { accountSid: testAccount.accountSid, callSid } });
    const report = await sim.waitForCall(callSid, (c) => c.status === "completed");
    expect(report.endedBy).toBe("caller");
    expect(report.counters.dtmfSent).toBe(2);
    expect(report.callerSpeech.length).toBe(1);
  });

  it("plays the agent's audio in real time, echoes a mark once the audio before it has played, and honours clear", async () => {
    const { callSid } = sim.placeCall({ from: caller, to: number.phoneNumber });
    const start = await runtime.next("start");
    const streamSid = start.streamSid as string;
    const ws = runtime.socket();
    const sent = performance.now();
    const audio = Buffer.from(mulawEncode(tone(300, 600, 0.4))).toString("base64");
    ws.send(JSON.stringify({ event: "media", streamSid, media: { payload: audio } }));
    ws.send(JSON.stringify({ event: "mark", streamSid, mark: { name: "first" } }));
    await runtime.next("mark", (m) => (m.mark as { name: string }).name === "first");
    // 600 ms of audio had to be played before the mark came back.
    expect(performance.now() - sent).toBeGreaterThanOrEqual(540);
    const long = Buffer.from(mulawEncode(tone(300, 5000, 0.4))).toString("base64");
    ws.send(JSON.stringify({ event: "media", streamSid, media: { payload: long } }));
    ws.send(JSON.stringify({ event: "mark", streamSid, mark: { name: "second" } }));
    await new Promise((r) => setTimeout(r, 200));
    ws.send(JSON.stringify({ event: "clear", streamSid }));
    await runtime.next("mark", (m) => (m.mark as { name: string }).name === "second");
    ws.close();
    const report = await sim.waitForCall(callSid, (c) => c.status === "completed");
    expect(report.counters).toMatchObject({ marksReceived: 2, marksEchoed: 2, clearsReceived: 1 });
    expect(report.firstAgentAudioMs).not.toBeNull();
    expect(report.agentAudio.length).toBeGreaterThanOrEqual(1);
    const [first] = report.agentAudio;
    expect(first && first[1] - first[0]).toBeGreaterThanOrEqual(560);
    // The 5 s of audio after the first mark stopped playing at the clear, long before its end.
    const played = report.agentAudio.reduce((ms, [a, b]) => ms + (b - a), 0);
    expect(played).toBeLessThan(600 + 5000 - 1000);
    const wav = sim.agentWav(callSid);
    expect(wav?.toString("ascii", 0, 4)).toBe("RIFF");
    expect(wav?.readUInt32LE(24)).toBe(8000);
  });

  it("continues with the next verbs when the server closes the stream, then hangs up and reports completed, signed", async () => {
    twiml = streamTwiml(runtime, "<Say>Goodbye</Say><Pause length=\"0\"/><Play>x.mp3</Play>");
    const { callSid } = sim.placeCall({ from: caller, to: number.phoneNumber });
    await runtime.next("start");
    runtime.socket().close();
    const report = await sim.waitForCall(callSid, (c) => c.status === "completed");
    expect(report.saidByTwiml).toEqual(["Goodbye"]);
    expect(report.events.some((e) => e.kind === "twiml.unknown_verb" && e.name === "Play")).toBe(true);
    expect(report.statusHistory.map((s) => s.status)).toEqual(["ringing", "in-progress", "completed"]);
    await sim.statusCallbacksSent(callSid);
    const status = hooks.received.filter((h) => h.path === "/status");
    expect(status).toHaveLength(1);
    expect(status[0]?.params).toMatchObject({ CallSid: callSid, CallStatus: "completed", CallbackSource: "call-progress-events", SequenceNumber: "0", Direction: "inbound" });
    expect(status[0]?.params.CallDuration).toMatch(/^\d+$/);
    expect(status[0]?.params.Timestamp).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(status[0] && hooks.signedWith(status[0], testAccount.authToken)).toBe(true);
  });

  it("posts stream-started and stream-stopped to the <Stream statusCallback>", async () => {
    twiml = `<Response><Connect><Stream name="agent" url="${runtime.url}" statusCallback="${hooks.url}/stream-status"/></Connect></Response>`;
    const { callSid } = sim.placeCall({ from: caller, to: number.phoneNumber });
    await runtime.next("start");
    runtime.socket().close();
    await sim.waitForCall(callSid, (c) => c.events.filter((e) => e.kind === "webhook" && e.purpose === "stream-status").length === 2);
    const events = hooks.received.filter((h) => h.path === "/stream-status");
    expect(events.map((h) => h.params.StreamEvent)).toEqual(["stream-started", "stream-stopped"]);
    expect(events[0]?.params).toMatchObject({ CallSid: callSid, StreamName: "agent" });
    expect(events[0]?.params.StreamSid).toMatch(/^MZ/);
  });

  it("hears the keys the agent presses as in-band DTMF tones in its audio", async () => {
    const { callSid } = sim.placeCall({ from: caller, to: number.phoneNumber });
    const start = await runtime.next("start");
    const keys: [number, number][] = [[697, 1209], [852, 1477], [941, 1477]];
    const parts = keys.flatMap(([low, high]) => {
      const a = tone(low, 70, 0.3);
      const b = tone(high, 70, 0.35);
      return [a.map((x, i) => x + (b[i] ?? 0)), new Int16Array(560)];
    });
    const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (pcm.set(p, at), at + p.length), 0);
    runtime.socket().send(JSON.stringify({ event: "media", streamSid: start.streamSid, media: { payload: Buffer.from(mulawEncode(pcm)).toString("base64") } }));
    runtime.socket().send(JSON.stringify({ event: "mark", streamSid: start.streamSid, mark: { name: "keys" } }));
    await runtime.next("mark");
    expect(sim.call(callSid)?.agentDtmf).toBe("19#");
    expect(sim.call(callSid)?.events.filter((e) => e.kind === "agent.dtmf").map((e) => e.digit)).toEqual(["1", "9", "#"]);
  });

  it("ends busy without answering when the TwiML rejects the call", async () => {
    twiml = '<Response><Reject reason="busy"/></Response>';
    const { callSid } = sim.placeCall({ from: caller, to: number.phoneNumber });
    const report = await sim.waitForCall(callSid, (c) => c.status === "busy");
    expect(report.statusHistory.map((s) => s.status)).toEqual(["ringing", "busy"]);
    expect(report.durationS).toBe(0);
  });

  it("refuses an inbound call to a number it does not hold", () => {
    expect(() => sim.placeCall({ from: caller, to: "+15559999999" })).toThrow(/no simulated number/);
  });
});
