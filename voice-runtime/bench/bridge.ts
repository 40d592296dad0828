// What the VoxImplant media bridge adds to a call's latency (`BENCH voximplant.bridge_added_latency_ms`,
// p50 and p99): audio in → audio out through the bridge alone, a fake scenario's 20 ms PCM16 frames in
// real time through the bridge into a sink that plays them straight back (src/bridge/latency.ts).
// Baseline of the same run: the same frames, in the same format, echoed by a bare WebSocket server —
// the sockets' own round trip, which the bridge's figure includes.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { measureBridgeAddedLatency } from "../src/bridge/latency.ts";
import { fakeScenario, sleep } from "../src/bridge/testing.ts";
import { setLogLevel } from "../src/log.ts";

async function bareEchoLatency(frames: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  // Media frames come straight back; the scenario's start and stop do not.
  wss.on("connection", (ws) => ws.on("message", (data) => (String(data).includes('"event":"media"') ? ws.send(String(data)) : undefined)));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  try {
    const scenario = fakeScenario(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`, { codec: "pcm16", sampleRateHz: 8000 });
    await scenario.opened;
    scenario.start();
    const sentAt = new Map<number, number>();
    const startedAt = performance.now();
    for (let i = 0; i < frames; i++) {
      const wait = startedAt + i * 20 - performance.now();
      if (wait > 0) await sleep(wait);
      const level = (i + 1) * 100;
      sentAt.set(level, performance.now());
      scenario.sendSamples(new Int16Array(160).fill(level));
    }
    await scenario.until(() => scenario.media.length >= frames, 3000).catch(() => {});
    const latencies = scenario.media.flatMap((m) => {
      const sent = sentAt.get(m.samples[0]!);
      return sent === undefined ? [] : [m.atMs - sent];
    });
    scenario.ws.close(1000);
    await scenario.closed;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
    return { p50Ms: at(0.5), p99Ms: at(0.99) };
  } finally {
    for (const client of wss.clients) client.terminate();
    wss.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }
}

export async function bridgeBench(): Promise<string[]> {
  setLogLevel("error");
  const frames = 250;
  const bridge = await measureBridgeAddedLatency({ frames });
  const bare = await bareEchoLatency(frames);
  return [
    `BENCH voximplant.bridge_added_latency_ms=${bridge.p50Ms.toFixed(1)} ms`,
    `BENCH voximplant.bridge_added_latency.p99_ms=${bridge.p99Ms.toFixed(1)} ms`,
    `BENCH voximplant.bridge_added_latency.baseline_ws_echo_ms=${bare.p50Ms.toFixed(1)} ms`,
    `BENCH voximplant.bridge_added_latency.baseline_ws_echo.p99_ms=${bare.p99Ms.toFixed(1)} ms`,
    `(${bridge.frames} frames of 20 ms PCM16 8 kHz in VoxImplant's media format, in real time, from a fake scenario through the bridge into a sink that plays them straight back: p50 and p99 from a frame sent to the same frame received; baseline: the same frames echoed by a bare WebSocket server, no bridge; the bridge paces its output by the wall clock with a small lead, so its figure includes that jitter buffer)`,
  ];
}
