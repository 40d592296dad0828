// Contract tests: a 127.0.0.1 server plays Cartesia, checks the recorded request shape of
// `POST /tts/bytes` and answers with the recorded response shapes (raw PCM streamed in chunks,
// JSON errors).
import { APIStatusError, AsyncIterableQueue, type tts } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CartesiaChunkedStream, CartesiaOptionsError, CartesiaTTS, type CartesiaTTSOptions, Pcm16Framer } from "./cartesia-tts.ts";

interface Recorded {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage["headers"];
  body: unknown;
}

type Handler = (res: ServerResponse, request: Recorded) => void | Promise<void>;

let server: Server | null = null;
const requests: Recorded[] = [];

async function serve(handler: Handler): Promise<string> {
  requests.length = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const recorded: Recorded = { method: req.method, url: req.url, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
      requests.push(recorded);
      void handler(res, recorded);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  const s = server;
  server = null;
  s?.closeAllConnections();
  if (s) await new Promise((resolve) => s.close(resolve));
});

const VOICE = "a0e99841-438c-4a64-b679-ae501e7d6091";
const options = (baseUrl: string, extra: Partial<CartesiaTTSOptions> = {}): CartesiaTTSOptions => ({ apiKey: "sk_car_test", voice: VOICE, baseUrl, ...extra });

/** Runs one attempt directly, the way the base class does, so its error can be awaited (the base
 * class's own task leaves a failed attempt as an unhandled rejection). */
class OneAttempt extends CartesiaChunkedStream {
  protected override async run(): Promise<void> {}
  async attempt(): Promise<void> {
    // Let the base class's own (no-op) attempt finish; it closes the queue it set up.
    await new Promise((resolve) => setImmediate(resolve));
    this.queue = new AsyncIterableQueue<tts.SynthesizedAudio>();
    return super.run();
  }
}

function oneAttempt(cartesia: CartesiaTTS, baseUrl: string, text: string, timeoutMs = 2_000): OneAttempt {
  const resolved = { apiKey: "sk_car_test", voice: VOICE, model: "sonic-2", language: "en", sampleRate: 24_000, speed: 1, apiVersion: "2024-06-10", baseUrl };
  return new OneAttempt(cartesia, text, resolved, { maxRetry: 0, retryIntervalMs: 0, timeoutMs });
}

/** A recognisable ramp of PCM16 samples. */
function pcm(samples: number): Buffer {
  const buf = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) buf.writeInt16LE((i % 2000) - 1000, 2 * i);
  return buf;
}

describe("CartesiaTTS", () => {
  it("posts the documented request and turns the PCM body into frames while it streams", async () => {
    const body = pcm(24_000); // one second at 24 kHz
    let firstFrameSeen: () => void = () => {};
    const firstFrame = new Promise<void>((resolve) => (firstFrameSeen = resolve));
    let streamedBeforeEnd = false;
    const baseUrl = await serve(async (res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      // Odd chunk sizes split samples across chunks.
      const sizes = [1, 999, 4_097, 3, 10_001];
      let at = 0;
      for (const size of sizes) {
        res.write(body.subarray(at, at + size));
        at += size;
      }
      // Hold the rest back until the client has produced a frame from what it already has.
      streamedBeforeEnd = await Promise.race([firstFrame.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2_000))]);
      res.end(body.subarray(at));
    });

    const cartesia = new CartesiaTTS(options(baseUrl, { language: "en-US" }));
    const frames: AudioFrame[] = [];
    const finals: boolean[] = [];
    for await (const audio of cartesia.synthesize("Hello from the test.")) {
      frames.push(audio.frame);
      finals.push(audio.final);
      firstFrameSeen();
    }

    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/tts/bytes");
    expect(request?.headers["x-api-key"]).toBe("sk_car_test");
    expect(request?.headers["cartesia-version"]).toBe("2024-06-10");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.body).toEqual({
      model_id: "sonic-2",
      transcript: "Hello from the test.",
      voice: { mode: "id", id: VOICE },
      output_format: { container: "raw", encoding: "pcm_s16le", sample_rate: 24_000 },
      language: "en",
    });

    expect(streamedBeforeEnd).toBe(true);
    expect(frames.every((f) => f.sampleRate === 24_000 && f.channels === 1)).toBe(true);
    expect(frames.reduce((n, f) => n + f.samplesPerChannel, 0)).toBe(24_000);
    const joined = Buffer.concat(frames.map((f) => Buffer.from(f.data.buffer, f.data.byteOffset, f.samplesPerChannel * 2)));
    expect(joined.equals(body)).toBe(true);
    expect(finals.filter(Boolean)).toHaveLength(1);
    expect(finals.at(-1)).toBe(true);
  });

  it("sends speed as experimental voice controls for 2024-06-10 and as generation_config from 2025-04-16", async () => {
    const baseUrl = await serve((res) => {
      res.end(pcm(10));
    });
    for await (const _ of new CartesiaTTS(options(baseUrl, { speed: 2 })).synthesize("fast")) {
      // drain
    }
    for await (const _ of new CartesiaTTS(options(baseUrl, { speed: 0.5, apiVersion: "2025-04-16", model: "sonic-3" })).synthesize("slow")) {
      // drain
    }
    expect(requests.map((r) => r.body)).toMatchObject([
      { voice: { mode: "id", id: VOICE, __experimental_controls: { speed: 1 } } },
      { model_id: "sonic-3", generation_config: { speed: 0.6 } },
    ]);
    expect(requests[1]?.body).not.toHaveProperty("voice.__experimental_controls");
    expect(requests[1]?.headers["cartesia-version"]).toBe("2025-04-16");
  });

  it("surfaces a 401 as a non-retryable status error carrying Cartesia's message", async () => {
    const baseUrl = await serve((res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "Invalid API key" }));
    });
    const cartesia = new CartesiaTTS(options(baseUrl));
    const stream = oneAttempt(cartesia, baseUrl, "hi");
    const failure = await stream.attempt().then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(APIStatusError);
    expect(failure).toMatchObject({ statusCode: 401, retryable: false, body: { error: "Invalid API key" } });
    expect((failure as Error).message).toContain("Invalid API key");
    expect((failure as Error).message).not.toContain("sk_car_test");
    stream.close();
  });

  it("marks 429 and 5xx answers retryable", async () => {
    const statuses = [429, 503];
    const baseUrl = await serve((res) => {
      res.writeHead(statuses.shift() ?? 500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "slow down" }));
    });
    const cartesia = new CartesiaTTS(options(baseUrl));
    for (const status of [429, 503]) {
      const stream = oneAttempt(cartesia, baseUrl, "hi");
      await expect(stream.attempt()).rejects.toMatchObject({ name: "APIStatusError", statusCode: status, retryable: true });
      stream.close();
    }
  });

  it("lets the session retry a 429 and then plays the audio of the retry", async () => {
    const baseUrl = await serve((res) => {
      if (requests.length === 1) {
        res.writeHead(429, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: "rate limited" }));
      } else res.end(pcm(4_800));
    });
    const cartesia = new CartesiaTTS(options(baseUrl));
    let samples = 0;
    for await (const audio of cartesia.synthesize("again", { maxRetry: 1, retryIntervalMs: 0, timeoutMs: 2_000 })) samples += audio.frame.samplesPerChannel;
    expect(requests).toHaveLength(2);
    expect(samples).toBe(4_800);
  });

  it("times out when Cartesia stops sending, retryably only while no audio went out yet", async () => {
    const baseUrl = await serve((res) => {
      res.writeHead(200);
      // The first request stalls at once, the second after 100 ms of audio.
      if (requests.length === 2) res.write(pcm(2_400));
    });
    const cartesia = new CartesiaTTS(options(baseUrl));
    const silent = oneAttempt(cartesia, baseUrl, "hi", 200);
    await expect(silent.attempt()).rejects.toMatchObject({ name: "APITimeoutError", retryable: true, message: expect.stringMatching(/sent nothing for 200 ms/) });
    silent.close();
    const midway = oneAttempt(cartesia, baseUrl, "hi", 200);
    // A retry would repeat what the listener already heard.
    await expect(midway.attempt()).rejects.toMatchObject({ name: "APIConnectionError", retryable: false });
    midway.close();
  });

  it("refuses options Cartesia would reject", () => {
    expect(() => new CartesiaTTS({ apiKey: "", voice: VOICE })).toThrow(CartesiaOptionsError);
    expect(() => new CartesiaTTS({ apiKey: "k", voice: VOICE, sampleRate: 12_345 })).toThrow(/sample rate/);
    expect(() => new CartesiaTTS({ apiKey: "k", voice: VOICE, speed: 2.5 })).toThrow(/between 0.5 and 2/);
  });
});

describe("Pcm16Framer", () => {
  it("keeps samples intact across odd chunk boundaries and flushes the tail as a short frame", () => {
    const framer = new Pcm16Framer(16_000, 20); // 320 samples per frame
    const bytes = pcm(700);
    const frames = [...framer.push(bytes.subarray(0, 3)), ...framer.push(bytes.subarray(3, 641)), ...framer.push(bytes.subarray(641)), ...framer.flush()];
    expect(frames.map((f) => f.samplesPerChannel)).toEqual([320, 320, 60]);
    expect(frames[1]?.data[0]).toBe(bytes.readInt16LE(640));
  });
});
