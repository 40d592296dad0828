// What the bridge alone adds to a call's latency: a fake scenario streams 20 ms PCM16 frames in
// real time, each a distinct level, through the bridge into a sink that plays them straight back;
// the time from a frame going out to the same frame coming back is the bridge's round trip
// (both directions' decoding, pacing and socket hops). For `npm run bench`
// (`BENCH voximplant.bridge_added_latency_ms`).
import { startVoximplantBridge } from "./server.ts";
import { bridgeTestSecret, callToken, echoSink, fakeScenario, sleep } from "./testing.ts";

export interface BridgeLatency {
  p50Ms: number;
  p99Ms: number;
  frames: number;
}

export async function measureBridgeAddedLatency(options: { frames?: number } = {}): Promise<BridgeLatency> {
  // At most 300 frames (6 s): each level below is then unique.
  const frames = Math.min(options.frames ?? 150, 300);
  const bridge = await startVoximplantBridge({ port: 0, tokenSecret: bridgeTestSecret, sink: echoSink() });
  try {
    const scenario = fakeScenario(`${bridge.url}?token=${await callToken("ses_bench")}`, { codec: "pcm16", sampleRateHz: 8000 });
    await scenario.opened;
    scenario.start();
    const sentAt = new Map<number, number>();
    const startedAt = performance.now();
    for (let i = 0; i < frames; i++) {
      const due = startedAt + i * 20;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      // Levels 100, 200, … identify frames exactly (PCM16 is lossless).
      const level = (i + 1) * 100;
      sentAt.set(level, performance.now());
      scenario.sendSamples(new Int16Array(160).fill(level));
    }
    await scenario.until(() => scenario.media.length >= frames, 3000).catch(() => {});
    const latencies: number[] = [];
    for (const received of scenario.media) {
      const sent = sentAt.get(received.samples[0]!);
      if (sent !== undefined) latencies.push(received.atMs - sent);
    }
    scenario.ws.close(1000);
    await scenario.closed;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
    return { p50Ms: Math.round(at(0.5) * 10) / 10, p99Ms: Math.round(at(0.99) * 10) / 10, frames: latencies.length };
  } finally {
    await bridge.close();
  }
}
