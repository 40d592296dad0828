// The event sink against an API that goes away: the real runtime API client over a fake fetch
// that refuses connections for a stretch of (fake) time and otherwise keeps events the way the
// Worker does, once per event id. The spool is a real directory.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RuntimeEventBody, type RuntimeEvent } from "@speaknode/contracts";
import { sessionId as newSessionId } from "../../test/fixtures.ts";
import { RuntimeApi } from "./client.ts";
import { EventSink } from "./event-sink.ts";
import { EventSpool } from "./event-spool.ts";

// Captured before the fake timers replace it: lets the disk work between steps of fake time.
const realSetTimeout = globalThis.setTimeout;
const realPause = () => new Promise<void>((r) => realSetTimeout(r, 1));

/** The Worker's events endpoint as far as the sink can tell: down while `down(now)`, idempotent per event id. */
function platform(down: (nowMs: number) => boolean, refuse?: (event: RuntimeEvent) => number | undefined, client: { attempts?: number; retryBaseMs?: number } = {}) {
  const stored: { eventId: string; event: RuntimeEvent }[] = [];
  const fetch = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (down(Date.now())) throw new TypeError("fetch failed: connect ECONNREFUSED");
    const body = RuntimeEventBody.parse(JSON.parse(String(init?.body)));
    const status = refuse?.(body.event);
    if (status) return new Response(JSON.stringify({ type: "about:blank", status, code: "invalid_state", detail: "refused" }), { status, headers: { "content-type": "application/problem+json" } });
    const duplicate = stored.some((s) => s.eventId === body.eventId);
    if (!duplicate) stored.push(body);
    return new Response(JSON.stringify({ eventId: body.eventId, duplicate, live: !duplicate }), { status: 200, headers: { "content-type": "application/json" } });
  };
  const api = new RuntimeApi({ baseUrl: "http://api.test", tokenSecret: "test-runtime-token-secret-of-32-chars!", runtimeId: "sink-test", fetch, ...client });
  return { api, stored, recorded: () => stored.map((s) => s.event).filter((e) => e.type !== "transcript.partial") };
}

function turn(n: number, text: string): RuntimeEvent {
  const at = new Date(Date.now()).toISOString();
  return { type: "turn", turnId: `${n % 2 === 1 ? "u" : "a"}${Math.ceil(n / 2)}`, role: n % 2 === 1 ? "user" : "agent", text, language: "en-US", startedAt: at, endedAt: at, interrupted: false, metrics: {} };
}

function toolCall(n: number): RuntimeEvent {
  return { type: "tool.call", toolCallId: `call_${n}`, name: "check_order", request: { orderId: String(n) }, response: { status: "shipped" }, status: "ok", latencyMs: 120 };
}

/** A client that leaves retrying to the sink, for tests in real time. */
const quick = { attempts: 1 };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "speaknode-events-"));
});
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe("the event sink", () => {
  it("delivers every turn and tool call of a call whose API is down for 60 s, in order and exactly once, before the session's end", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    const startMs = Date.now();
    const outage = { fromMs: startMs + 20_000, untilMs: startMs + 80_000 };
    const { api, recorded } = platform((now) => now >= outage.fromMs && now < outage.untilMs);
    const logged: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (logged.push(String(chunk)), true));
    const sink = new EventSpool({ dir, api }).open(newSessionId());
    const step = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms);
      await realPause();
    };

    // A two-minute call: a turn every 2 s (a tool call with every fifth), partial transcripts in between.
    const expected: RuntimeEvent[] = [];
    let n = 0;
    for (let t = 0; t < 120_000; t += 250) {
      if (t % 2000 === 0) {
        n += 1;
        sink.push({ type: "transcript.partial", turnId: `u${n}`, role: "user", text: `secret words ${n}` });
        const event = turn(n, `secret words ${n}`);
        sink.push(event);
        expected.push(event);
        if (n % 5 === 0) {
          sink.push(toolCall(n));
          expected.push(toolCall(n));
        }
      }
      await step(250);
    }
    expect(Date.now()).toBeGreaterThan(outage.untilMs);
    const completed: RuntimeEvent = { type: "completed", tokenUsage: { prompt: 10, completion: 5 }, durationMs: 120_000, endReason: "caller_hung_up", audioAvailable: false };
    let acknowledged = false;
    void sink.send(completed, { waitMs: 120_000 }).then(() => (acknowledged = true));
    for (let waited = 0; !acknowledged && waited < 60_000; waited += 250) await step(250);

    expect(acknowledged).toBe(true);
    expect(recorded()).toEqual([...expected, completed]);
    expect(sink.failures + sink.dropped).toBe(0);
    await vi.waitFor(async () => expect(await readdir(dir)).toEqual([]));
    // The outage was noticed and logged, without a word of what was said.
    expect(logged.some((l) => l.includes("runtime API unavailable"))).toBe(true);
    expect(logged.filter((l) => l.includes("secret words"))).toEqual([]);
  });

  it("never reports the session's end before the events queued ahead of it", async () => {
    let down = true;
    const { api, recorded } = platform(() => down, undefined, quick);
    const sink = new EventSink(api, newSessionId(), { retryBaseMs: 5, retryMaxMs: 20 });
    sink.push(turn(1, "hello"));
    const end = sink.send({ type: "error", code: "media_lost", stage: "media", message: "gone", fatal: true }, { waitMs: 60_000 });
    await new Promise((r) => setTimeout(r, 50));
    expect(recorded()).toEqual([]);
    down = false;
    await end;
    expect(recorded().map((e) => e.type)).toEqual(["turn", "error"]);
  });

  it("posts a pushed event after the push delay, not in the tick that pushed it, and at once on send", async () => {
    const { api, recorded } = platform(() => false, undefined, quick);
    const sink = new EventSink(api, newSessionId(), { pushDelayMs: 200 });
    sink.push(turn(1, "hello"));
    await new Promise((r) => setTimeout(r, 20));
    expect(recorded()).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(recorded().map((e) => ("turnId" in e ? e.turnId : e.type))).toEqual(["u1"]);
    sink.push(turn(2, "hi"));
    await sink.send({ type: "agent.ready" });
    expect(recorded().map((e) => e.type)).toEqual(["turn", "turn", "agent.ready"]);
  });

  it("delivers what was pushed when flushed, without waiting out the push delay", async () => {
    const { api, recorded } = platform(() => false, undefined, quick);
    const sink = new EventSink(api, newSessionId(), { pushDelayMs: 60_000 });
    sink.push(turn(1, "hello"));
    await sink.flush();
    expect(recorded().map((e) => ("turnId" in e ? e.turnId : e.type))).toEqual(["u1"]);
  });

  it("drops an event the API refuses and goes on with the ones behind it", async () => {
    const { api, recorded } = platform(
      () => false,
      (e) => (e.type === "agent.ready" ? 409 : undefined),
      quick,
    );
    const sink = new EventSink(api, newSessionId());
    await expect(sink.send({ type: "agent.ready" })).rejects.toMatchObject({ status: 409 });
    sink.push(turn(1, "hello"));
    await sink.flush();
    expect(recorded().map((e) => e.type)).toEqual(["turn"]);
    expect(sink.failures).toBe(1);
  });

  it("gives up waiting in send after its wait but still delivers the event when the API is back", async () => {
    let down = true;
    const { api, recorded } = platform(() => down, undefined, quick);
    const sink = new EventSink(api, newSessionId(), { retryBaseMs: 5, retryMaxMs: 20 });
    await expect(sink.send({ type: "agent.ready" }, { waitMs: 30 })).rejects.toMatchObject({ name: "EventPendingError" });
    down = false;
    await sink.flush();
    expect(recorded()).toEqual([{ type: "agent.ready" }]);
  });

  it("refuses turns beyond the spool bound but always spools and reports the session's end", async () => {
    let down = true;
    const { api, recorded } = platform(() => down, undefined, quick);
    const sink = new EventSpool({ dir, api, maxSpoolBytes: 2048, retryBaseMs: 5, retryMaxMs: 20 }).open(newSessionId());
    const pushed = Array.from({ length: 20 }, (_, i) => turn(i + 1, "x".repeat(100)));
    for (const event of pushed) sink.push(event);
    expect(sink.dropped).toBeGreaterThan(0);
    const kept = pushed.length - sink.dropped;
    const end = sink.send({ type: "completed", tokenUsage: { prompt: 0, completion: 0 }, durationMs: 1, audioAvailable: false }, { waitMs: 60_000 });
    down = false;
    await end;
    // The earliest turns are kept; the ones past the bound are the ones refused.
    expect(recorded()).toEqual([...pushed.slice(0, kept), expect.objectContaining({ type: "completed" })]);
  });
});
