import { afterEach, describe, expect, it } from "vitest";
import { measureBridgeAddedLatency } from "./latency.ts";
import { localSinkFactory } from "./local-sink.ts";
import { startVoximplantBridge, type VoximplantBridge } from "./server.ts";
import { bridgeTestSecret, callToken, fakeLocalMedia, fakeScenario, sleep } from "./testing.ts";
import { setLogLevel } from "../log.ts";

setLogLevel("error");

const ulaw = { codec: "ulaw", sampleRateHz: 8000 } as const;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(options: { leadMs?: number } = {}) {
  const local = await fakeLocalMedia();
  const bridge = await startVoximplantBridge({
    port: 0,
    tokenSecret: bridgeTestSecret,
    sink: localSinkFactory({ mediaUrl: local.url, tokenSecret: bridgeTestSecret }),
    pacer: { leadMs: options.leadMs ?? 60 },
  });
  cleanups.push(() => local.close(), () => bridge.close());
  return { local, bridge };
}

async function connect(bridge: VoximplantBridge, format: { codec: "ulaw" | "pcm16"; sampleRateHz: 8000 | 16000 } = ulaw, sessionId = "ses_1") {
  const scenario = fakeScenario(`${bridge.url}?token=${await callToken(sessionId)}`, format);
  await scenario.opened;
  scenario.start();
  return scenario;
}

const level = (value: number, samples: number) => new Int16Array(samples).fill(value);
const mean = (samples: Int16Array) => samples.reduce((n, s) => n + s, 0) / samples.length;

describe("the VoxImplant media bridge with the local sink", () => {
  it("joins the session with its own voximplant token and carries μ-law audio both ways", async () => {
    const { local, bridge } = await setUp();
    const scenario = await connect(bridge);
    await local.admitted;
    expect(local.state.hello).toEqual({ sessionId: "ses_1", role: "voximplant", sampleRateHz: 8000 });

    for (let i = 0; i < 10; i++) scenario.sendSamples(level(1000, 160));
    await expect.poll(() => local.callerSamples()).toBe(1600);
    expect(Math.abs(mean(local.state.callerPcm[0]!) - 1000)).toBeLessThan(40);

    local.sendAudio(level(-2000, 1600));
    await scenario.until(() => scenario.media.length === 10);
    expect(scenario.events[0]).toEqual({ event: "start", sequenceNumber: 0, start: { mediaFormat: { encoding: "ULAW", sampleRate: 8000 } } });
    expect(scenario.media.map((m) => m.chunk)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(scenario.media.map((m) => m.timestamp)).toEqual([0, 160, 320, 480, 640, 800, 960, 1120, 1280, 1440]);
    for (const m of scenario.media) expect(Math.abs(mean(m.samples) + 2000)).toBeLessThan(80);
    expect(bridge.metrics().calls[0]).toMatchObject({ sessionId: "ses_1", framesIn: 10, framesOut: 10, drops: 0 });
  });

  it("resamples a 16 kHz PCM16 stream to the sink's 8 kHz and back", async () => {
    const { local, bridge } = await setUp();
    const scenario = await connect(bridge, { codec: "pcm16", sampleRateHz: 16000 });
    await local.admitted;
    for (let i = 0; i < 10; i++) scenario.sendSamples(level(3000, 320));
    await expect.poll(() => local.callerSamples()).toBe(1600);
    local.sendAudio(level(3000, 800));
    await scenario.until(() => scenario.media.length === 5);
    expect(scenario.events[0]).toMatchObject({ start: { mediaFormat: { encoding: "PCM16", sampleRate: 16000 } } });
    expect(scenario.media.every((m) => m.samples.length === 320)).toBe(true);
    // Past the filter's settling, the level comes through.
    expect(Math.abs(mean(scenario.media[4]!.samples) - 3000)).toBeLessThan(60);
  });

  it("answers in the scenario's own spelling of its encoding (PCM8: 16-bit PCM at 8 kHz)", async () => {
    const { local, bridge } = await setUp();
    const scenario = fakeScenario(`${bridge.url}?token=${await callToken("ses_1")}`, { codec: "pcm16", sampleRateHz: 8000 });
    await scenario.opened;
    scenario.sendRaw(JSON.stringify({ event: "start", sequenceNumber: 0, start: { mediaFormat: { encoding: "PCM8", sampleRate: 8000 } } }));
    await local.admitted;
    scenario.sendSamples(level(-700, 160));
    await expect.poll(() => local.callerSamples()).toBe(160);
    expect(local.state.callerPcm[0]![0]).toBe(-700);
    local.sendAudio(level(700, 160));
    await scenario.until(() => scenario.media.length === 1);
    expect(scenario.events[0]).toMatchObject({ start: { mediaFormat: { encoding: "PCM8", sampleRate: 8000 } } });
    expect(scenario.media[0]!.samples[0]).toBe(700);
  });

  it("sends agent audio no faster than real time plus its lead, however fast it arrives", async () => {
    const { local, bridge } = await setUp({ leadMs: 60 });
    const scenario = await connect(bridge);
    await local.admitted;
    local.sendAudio(level(500, 8000)); // one second, at once
    await scenario.until(() => scenario.media.length === 50, 3000);
    const first = scenario.media[0]!.atMs;
    for (const [i, m] of scenario.media.entries()) {
      // Frame i may leave once the far side has less than the lead (3 frames) left to play.
      expect(m.atMs - first).toBeGreaterThanOrEqual((i - 3) * 20 - 5);
    }
    expect(scenario.media[49]!.atMs - first).toBeGreaterThan(880);
    expect(bridge.metrics().calls[0]!.underruns).toBe(0);
  });

  it("drops queued agent audio and tells the scenario to clear when the runtime says the caller barged in", async () => {
    const { local, bridge } = await setUp();
    const scenario = await connect(bridge);
    await local.admitted;
    local.sendAudio(level(500, 8000));
    await scenario.until(() => scenario.media.length >= 5);
    local.clear();
    await scenario.until(() => scenario.controls.some((c) => c["speaknode"] === "clear"));
    const atClear = scenario.media.length;
    await sleep(200);
    expect(scenario.media.length).toBeLessThanOrEqual(atClear + 1);
    expect(bridge.metrics().calls[0]).toMatchObject({ clears: 1, queueMs: 0 });
  });

  it("forwards the caller's keys to the runtime as dtmf messages, and the agent's keys to the scenario", async () => {
    const { local, bridge } = await setUp();
    const scenario = await connect(bridge);
    await local.admitted;
    await sleep(50); // the sink sees ready a moment after the runtime sent it
    for (const digit of ["4", "2", "#"]) scenario.sendControl({ speaknode: "dtmf", digit });
    // A key that is not one is not ours to read: ignored and counted.
    scenario.sendControl({ speaknode: "dtmf", digit: "x" });
    await expect.poll(() => local.state.dtmf).toEqual(["4", "2", "#"]);

    local.pressKeys("9");
    await scenario.until(() => scenario.controls.length === 1);
    expect(scenario.controls).toEqual([{ speaknode: "dtmf", digits: "9" }]);
    expect(bridge.metrics().calls[0]).toMatchObject({ dtmfIn: 3, dtmfDropped: 0, dtmfOut: 1, ignored: 1 });
  });

  it("drops and counts a key pressed before the runtime admitted the call", async () => {
    const local = await fakeLocalMedia({ holdReady: true });
    const bridge = await startVoximplantBridge({ port: 0, tokenSecret: bridgeTestSecret, sink: localSinkFactory({ mediaUrl: local.url, tokenSecret: bridgeTestSecret }) });
    // The runtime goes first, so the sink waiting for its ready gives up.
    cleanups.push(() => bridge.close(), () => local.close());
    const scenario = await connect(bridge);
    await local.admitted;
    scenario.sendControl({ speaknode: "dtmf", digit: "5" });
    await expect.poll(() => bridge.metrics().calls[0]?.dtmfDropped).toBe(1);
    expect(local.state.dtmf).toEqual([]);
  });

  it("hangs up the scenario when the agent ends the call, after its last words", async () => {
    const { local, bridge } = await setUp();
    const scenario = await connect(bridge);
    await local.admitted;
    local.sendAudio(level(500, 800));
    local.hangUp("the agent ended the call");
    expect(await scenario.closed).toEqual({ code: 1000, reason: "the agent ended the call" });
    expect(scenario.media).toHaveLength(5);
    const tail = scenario.events.at(-1);
    expect(tail).toMatchObject({ event: "stop", stop: { mediaInfo: { bytesSent: 800, duration: 100 } } });
    expect(scenario.controls).toContainEqual({ speaknode: "hangup", reason: "the agent ended the call" });
    await expect.poll(() => bridge.metrics().calls.length).toBe(0);
  });

  it("ends the agent's side when the caller hangs up, or when the scenario's socket closes", async () => {
    const { local, bridge } = await setUp();
    const scenario = await connect(bridge);
    await local.admitted;
    scenario.sendControl({ speaknode: "hangup" });
    expect((await scenario.closed).code).toBe(1000);
    await expect.poll(() => local.state.clientEnd).toBe("caller hung up");
    await expect.poll(() => local.state.closedCode).toBe(1000);

    const { local: local2, bridge: bridge2 } = await setUp();
    const again = await connect(bridge2, ulaw, "ses_2");
    await local2.admitted;
    again.ws.close(1000);
    await expect.poll(() => local2.state.clientEnd).toBe("caller hung up");
  });

  it("tells the scenario why and hangs up when the runtime's media connection drops", async () => {
    const { local, bridge } = await setUp();
    const scenario = await connect(bridge);
    await local.admitted;
    local.drop();
    expect((await scenario.closed).code).toBe(1011);
    expect(scenario.controls[0]).toMatchObject({ speaknode: "error", code: "sink_lost" });
    expect(scenario.controls[1]).toMatchObject({ speaknode: "hangup" });
  });

  it("hangs up with a typed error, without trying again, when the runtime refuses the call", async () => {
    const local = await fakeLocalMedia({ secret: "another-secret-of-thirty-two-chars!!" });
    const bridge = await startVoximplantBridge({ port: 0, tokenSecret: bridgeTestSecret, sink: localSinkFactory({ mediaUrl: local.url, tokenSecret: bridgeTestSecret }) });
    cleanups.push(() => local.close(), () => bridge.close());
    const scenario = await connect(bridge);
    expect((await scenario.closed).code).toBe(1011);
    expect(scenario.controls[0]).toMatchObject({ speaknode: "error", code: "sink_refused" });
    expect(scenario.controls[1]).toMatchObject({ speaknode: "hangup" });
  });

  it("tries the runtime again while it cannot be reached, then carries the call", async () => {
    const probe = await fakeLocalMedia();
    const mediaUrl = probe.url;
    await probe.close(); // nothing listens there for now
    const bridge = await startVoximplantBridge({ port: 0, tokenSecret: bridgeTestSecret, sink: localSinkFactory({ mediaUrl, tokenSecret: bridgeTestSecret, connectRetryDelaysMs: [300, 300] }) });
    cleanups.push(() => bridge.close());
    const scenario = await connect(bridge);
    await sleep(100);
    const local = await fakeLocalMedia({ port: Number(new URL(mediaUrl).port) });
    cleanups.push(() => local.close());
    await local.admitted;
    local.sendAudio(level(500, 160));
    await scenario.until(() => scenario.media.length === 1);
  });

  it("refuses a bad, foreign-role, expired or replayed call token with 4401 and a typed error", async () => {
    const { bridge } = await setUp();
    const tokens = [
      "not-a-token",
      await callToken("ses_1", { role: "participant" }),
      await callToken("ses_1", { secret: "another-secret-of-thirty-two-chars!!" }),
      await callToken("ses_1", { ttlS: -10 }),
    ];
    for (const token of tokens) {
      const scenario = fakeScenario(`${bridge.url}?token=${encodeURIComponent(token)}`, ulaw);
      const closed = await scenario.closed;
      expect(closed.code).toBe(4401);
      expect(scenario.controls[0]).toMatchObject({ speaknode: "error", code: "unauthorized" });
    }
    const noToken = fakeScenario(bridge.url, ulaw);
    expect((await noToken.closed).code).toBe(4401);

    const token = await callToken("ses_9");
    const first = fakeScenario(`${bridge.url}?token=${token}`, ulaw);
    await first.opened;
    const replay = fakeScenario(`${bridge.url}?token=${token}`, ulaw);
    expect((await replay.closed).code).toBe(4401);
    expect(replay.controls[0]).toMatchObject({ speaknode: "error", code: "token_used" });
    expect(bridge.metrics().totals.refused).toBe(6);
  });

  it("ignores and counts garbage frames, and the call goes on", async () => {
    const { local, bridge } = await setUp();
    const scenario = fakeScenario(`${bridge.url}?token=${await callToken("ses_1")}`, ulaw);
    await scenario.opened;
    scenario.sendSamples(level(1000, 160)); // media before start: no format to read it with
    scenario.sendRaw("not json");
    scenario.sendRaw(JSON.stringify({ event: "mark", mark: { name: "x" } }));
    scenario.sendRaw(JSON.stringify({ event: "start", sequenceNumber: 0, start: { mediaFormat: { encoding: "OPUS", sampleRate: 48000 } } }));
    scenario.sendRaw(JSON.stringify({ speaknode: "reboot" }));
    scenario.ws.send(Buffer.from([1, 2, 3]));
    scenario.start();
    await local.admitted;
    await expect.poll(() => bridge.metrics().calls[0]?.ignored).toBe(6);
    for (let i = 0; i < 3; i++) scenario.sendSamples(level(1000, 160));
    await expect.poll(() => local.callerSamples()).toBe(480);
    expect(bridge.metrics().totals.ignored).toBe(6);
  });

  it("answers /healthz and /metrics", async () => {
    const { local, bridge } = await setUp();
    const scenario = await connect(bridge);
    await local.admitted;
    const http = bridge.url.replace("ws://", "http://").replace("/v1/voximplant/media", "");
    expect(await (await fetch(`${http}/healthz`)).json()).toEqual({ ok: true, calls: 1 });
    const metrics = (await (await fetch(`${http}/metrics`)).json()) as { calls: { sessionId: string }[]; totals: { calls: number } };
    expect(metrics.calls[0]!.sessionId).toBe("ses_1");
    expect(metrics.totals.calls).toBe(1);
    expect((await fetch(`${http}/nope`)).status).toBe(404);
    scenario.ws.close(1000);
  });
});

describe("the bridge's added latency", () => {
  it("is measured frame by frame through an echoing sink", async () => {
    const result = await measureBridgeAddedLatency({ frames: 40 });
    expect(result.frames).toBe(40);
    expect(result.p50Ms).toBeGreaterThanOrEqual(0);
    expect(result.p50Ms).toBeLessThan(50);
  });
});
