import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mulawEncode, tone, wavDecode } from "../../twilio/src/audio.ts";
import { fakeSpeak } from "../../twilio/src/test-harness.ts";
import { startVoximplantSimulator, type VoximplantSimulator } from "./server.ts";
import { startFakeEdge, testAccount, type FakeEdge } from "./test-harness.ts";

// A small scenario of our own in the shape of the platform's: ask the edge, answer, stream the
// caller to the bridge's WebSocket and play what it sends back, obey its control frames.
const scenario = (edge: string) => `
const EDGE = ${JSON.stringify(edge)};
VoxEngine.addEventListener(AppEvents.CallAlerting, async function (e) {
  const call = e.call;
  const r = await Net.httpRequestAsync(EDGE + "/calls", { method: "POST", headers: ["Content-Type: application/json", "Authorization: Bearer scenario-secret"], postData: JSON.stringify({ from: e.callerid, to: e.destination, token: "call-token" }) });
  const a = JSON.parse(r.text);
  if (a.action !== "connect") { call.reject(486); return; }
  call.handleTones(true);
  call.addEventListener(CallEvents.Connected, function () {
    const ws = VoxEngine.createWebSocket(a.bridgeUrl);
    ws.addEventListener(WebSocketEvents.OPEN, function () {
      call.sendMediaTo(ws, { encoding: WebSocketAudioEncoding[a.encoding], tag: "caller", customParameters: { sessionId: a.sessionId } });
      ws.sendMediaTo(call);
    });
    ws.addEventListener(WebSocketEvents.MESSAGE, function (m) {
      const f = JSON.parse(m.text);
      if (f.speaknode === "clear") ws.clearMediaBuffer();
      if (f.speaknode === "dtmf") call.sendDigits(f.digits);
      if (f.speaknode === "hangup") call.hangup();
    });
    call.addEventListener(CallEvents.ToneReceived, function (t) { ws.send(JSON.stringify({ speaknode: "dtmf", digit: t.tone })); });
    call.addEventListener(CallEvents.Disconnected, function () { ws.close(); VoxEngine.terminate(); });
  });
  call.answer();
});`;

let sim: VoximplantSimulator;
let edge: FakeEdge;
let encoding = "ULAW";
beforeAll(async () => {
  sim = await startVoximplantSimulator({ accounts: [testAccount], speak: fakeSpeak });
});
afterAll(() => sim.close());
afterEach(() => edge.close());

async function placeCall(script: unknown[]): Promise<string> {
  edge = await startFakeEdge((path) => (path === "/calls" ? { body: { action: "connect", sessionId: "sess_1", bridgeUrl: `${edge.wsUrl}?token=bridge-token`, encoding } } : { status: 404, body: {} }));
  sim.setScenario(7000001, scenario(edge.url));
  const res = await fetch(`${sim.url}/sim/calls`, { method: "POST", body: JSON.stringify({ from: "+15551230001", to: "+15555550200", script }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { callId: string }).callId;
}

const media = (edge: FakeEdge) => edge.frames.filter((f) => f.msg.event === "media");

describe("a scenario that answers and streams the call over a WebSocket", () => {
  it("sends the caller's audio in VoxImplant's media format, 20 ms a frame in real time, and plays back what the socket sends", async () => {
    encoding = "ULAW";
    const id = await placeCall([{ say: "hello there" }, { dtmf: "5" }]);
    await edge.waitFor(() => media(edge).length >= 60);
    const [first] = edge.frames;
    expect(first?.msg).toEqual({ event: "start", sequenceNumber: 0, start: { mediaFormat: { encoding: "ULAW", sampleRate: 8000 }, customParameters: { sessionId: "sess_1" } }, tag: "caller" });
    const frames = media(edge);
    frames.slice(0, 5).forEach((f, i) => {
      expect(f.msg).toMatchObject({ event: "media", sequenceNumber: i + 1, media: { chunk: i + 1, timestamp: i * 20 }, tag: "caller" });
      expect(Buffer.from((f.msg.media as { payload: string }).payload, "base64")).toHaveLength(160);
    });
    // Real time: 50 frames span about a second, not a burst.
    const span = (frames[55]?.at ?? 0) - (frames[5]?.at ?? 0);
    expect(span).toBeGreaterThan(850);
    expect(span).toBeLessThan(1300);
    // The caller spoke: some frames carry more than μ-law silence.
    expect(frames.some((f) => Buffer.from((f.msg.media as { payload: string }).payload, "base64").some((b) => b !== 0xff))).toBe(true);

    // The caller's key reaches the scenario as CallEvents.ToneReceived.
    await edge.waitFor(() => edge.frames.some((f) => f.msg.speaknode === "dtmf" && f.msg.digit === "5"));

    // The bridge plays a second of agent audio, in its own start/media frames, then the scenario clears it.
    const ws = edge.socket();
    ws.send(JSON.stringify({ event: "start", sequenceNumber: 0, start: { mediaFormat: { encoding: "ULAW", sampleRate: 8000 } } }));
    const agent = mulawEncode(tone(440, 1000, 0.4));
    for (let i = 0; i < 50; i++) ws.send(JSON.stringify({ event: "media", sequenceNumber: i + 1, media: { chunk: i + 1, timestamp: i * 20, payload: Buffer.from(agent.subarray(i * 160, (i + 1) * 160)).toString("base64") } }));
    await new Promise((r) => setTimeout(r, 300));
    ws.send(JSON.stringify({ speaknode: "clear" }));
    ws.send(JSON.stringify({ speaknode: "dtmf", digits: "12" }));
    const played = await sim.waitForCall(id, (c) => c.counters.clears === 1 && c.agentDtmf === "12");
    expect(played.counters.mediaReceived).toBe(50);
    expect(played.firstAgentAudioMs).not.toBeNull();
    const clear = played.events.find((e) => e.kind === "media.clear");
    expect(clear?.droppedMs).toBeGreaterThan(400);
    expect(clear?.droppedMs).toBeLessThan(800);

    ws.send(JSON.stringify({ speaknode: "hangup" }));
    const ended = await sim.waitForCall(id, (c) => c.status === "disconnected");
    expect(ended.endedBy).toBe("scenario-hangup");
    expect(ended.counters.dtmfReceived).toBe(1);
    expect(ended.statusHistory.map((s) => s.status)).toEqual(["alerting", "connected", "disconnected"]);
    // The stream ends with a stop carrying its duration and size.
    const stop = await edge.waitFor(() => edge.frames.find((f) => f.msg.event === "stop"));
    const sent = media(edge).length;
    expect(stop.msg).toMatchObject({ stop: { mediaInfo: { duration: (sent * 20) / 1000, size: sent * 160 } }, tag: "caller" });

    // agent.wav holds what played: the tone until the clear (well under the full second), silence after.
    const wav = await fetch(`${sim.url}/sim/calls/${id}/agent.wav`);
    const { pcm, rate } = wavDecode(Buffer.from(await wav.arrayBuffer()));
    expect(rate).toBe(8000);
    const loud = pcm.filter((s) => Math.abs(s) > 3000).length;
    expect(loud).toBeGreaterThan(800);
    expect(loud).toBeLessThan(8000 * 0.6);

    // The scenario's HTTP request and its answer are in the record, with credentials redacted.
    const http = ended.events.find((e) => e.kind === "http.request");
    expect(http).toMatchObject({ method: "POST", code: 200, body: { from: "15551230001", to: "15555550200", token: "[redacted]" } });
    expect(http?.headers).toContain("authorization: [redacted]");
    expect(JSON.stringify(ended.events)).not.toContain("bridge-token");
    expect(edge.requests[0]?.authorization).toBe("Bearer scenario-secret");
  });

  it("streams 16-bit linear PCM at 8 kHz for PCM8", async () => {
    encoding = "PCM8";
    const id = await placeCall([]);
    await edge.waitFor(() => media(edge).length >= 3);
    expect(edge.frames[0]?.msg).toMatchObject({ event: "start", start: { mediaFormat: { encoding: "PCM8", sampleRate: 8000 } } });
    expect(Buffer.from((media(edge)[0]?.msg.media as { payload: string }).payload, "base64")).toHaveLength(320);
    // Frames it cannot use are counted or handed to the scenario, never a crash: a media event with no
    // payload, an unsupported encoding, and text the scenario's listener fails to parse.
    const ws = edge.socket();
    ws.send(JSON.stringify({ event: "media", sequenceNumber: 1, media: { chunk: 1 } }));
    ws.send(JSON.stringify({ event: "start", sequenceNumber: 0, start: { mediaFormat: { encoding: "OPUS", sampleRate: 48000 } } }));
    ws.send("not json");
    const counted = await sim.waitForCall(id, (c) => c.counters.invalidFrames === 2 && c.events.some((e) => e.kind === "scenario.error"));
    expect(counted.status).toBe("connected");
    await fetch(`${sim.url}/sim/calls/${id}/hangup`, { method: "POST" });
    const ended = await sim.waitForCall(id, (c) => c.status === "disconnected");
    expect(ended.endedBy).toBe("caller");
  });

  it("refuses a call to a number with no application, and a bad body, as problems", async () => {
    expect((await fetch(`${sim.url}/sim/calls`, { method: "POST", body: JSON.stringify({ from: "+15551230001", to: "+15555550201" }) })).status).toBe(404);
    expect((await fetch(`${sim.url}/sim/calls`, { method: "POST", body: JSON.stringify({ from: "15551230001", to: "+15555550200" }) })).status).toBe(400);
    edge = await startFakeEdge(() => ({ body: {} }));
  });
});
