// SessionRoom's live events socket (hibernation API) and what survives an eviction.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { env } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SessionServerMessage, sessionProtocolVersion } from "@speaknode/contracts";
import type { SessionEvent, SessionWelcome, SubscriberRole } from "@speaknode/contracts";
import type { SessionRoom } from "./index.ts";

const { SESSION_ROOM } = env as unknown as { SESSION_ROOM: DurableObjectNamespace<SessionRoom> };
type Stub = DurableObjectStub<SessionRoom>;

const minute = 60_000;

async function activeRoom(): Promise<Stub> {
  const sessionId = `ses_${crypto.randomUUID()}`;
  const stub = SESSION_ROOM.get(SESSION_ROOM.idFromName(sessionId));
  await stub.init({ sessionId, dispatchTimeoutMs: minute, heartbeatTimeoutMs: minute, maxDurationMs: 60 * minute });
  await stub.transition({ to: "dispatching" });
  await stub.publish({ eventId: "ready", event: { type: "agent.ready" } });
  return stub;
}

/** A subscriber that queues every parsed frame and remembers how the socket closed. */
class Subscriber {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  #frames: SessionServerMessage[] = [];
  #waiting: ((frame: SessionServerMessage) => void)[] = [];

  constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
    ws.addEventListener("message", (e) => {
      const frame = SessionServerMessage.parse(JSON.parse(String(e.data)));
      const waiter = this.#waiting.shift();
      if (waiter) waiter(frame);
      else this.#frames.push(frame);
    });
    ws.accept();
  }

  next(): Promise<SessionServerMessage> {
    const frame = this.#frames.shift();
    if (frame) return Promise.resolve(frame);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no frame within 2 s")), 2000);
      this.#waiting.push((f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
  }

  async welcome(): Promise<SessionWelcome> {
    const frame = await this.next();
    if (frame.type !== "welcome") throw new Error(`expected welcome, got ${frame.type}`);
    return frame;
  }
}

async function subscribe(stub: Stub, role: SubscriberRole = "viewer"): Promise<Subscriber> {
  const res = await stub.fetch("http://do/ws", { headers: { Upgrade: "websocket", "x-subscriber-role": role } });
  expect(res.status).toBe(101);
  if (!res.webSocket) throw new Error("no WebSocket in the upgrade response");
  return new Subscriber(res.webSocket);
}

const partial = (text: string) => ({ type: "transcript.partial", turnId: "t1", role: "user", text }) as const;

describe("SessionRoom live events", () => {
  it("sends a subscriber a welcome and then every new event in order", async () => {
    const stub = await activeRoom();
    const sub = await subscribe(stub);
    const welcome = await sub.welcome();
    expect(welcome).toMatchObject({ protocolVersion: sessionProtocolVersion, status: "active", failureReason: null, seq: 3 });
    await stub.publish({ eventId: "p1", event: partial("hel") });
    await stub.publish({ eventId: "f1", event: { type: "transcript.final", turnId: "t1", role: "user", text: "hello" } });
    await stub.publish({ eventId: "c1", event: { type: "tool.called", toolCallId: "c1", name: "lookup", status: "error", latencyMs: 80 } });
    const frames = [await sub.next(), await sub.next(), await sub.next()];
    expect(frames.map((f) => f.type)).toEqual(["transcript.partial", "transcript.final", "tool.called"]);
    expect(frames.map((f) => ("seq" in f ? f.seq : 0))).toEqual([4, 5, 6]);
    expect(frames[0]).toMatchObject({ text: "hel", at: expect.any(String) });
  });

  it("gives a late subscriber the status and recent events in its welcome", async () => {
    const stub = await activeRoom();
    await stub.publish({ eventId: "f1", event: { type: "transcript.final", turnId: "t1", role: "agent", text: "Hi, how can I help?" } });
    const welcome = await (await subscribe(stub)).welcome();
    expect(welcome.status).toBe("active");
    expect(welcome.seq).toBe(4);
    expect(welcome.recent.map((e) => e.type)).toEqual(["session.status", "agent.ready", "session.status", "transcript.final"]);
    expect(welcome.recent.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it("replays at most the 50 latest events in a welcome", async () => {
    const stub = await activeRoom();
    for (let i = 0; i < 55; i++) await stub.publish({ eventId: `p${i}`, event: partial(`word ${i}`) });
    const welcome = await (await subscribe(stub)).welcome();
    expect(welcome.seq).toBe(58);
    expect(welcome.recent).toHaveLength(50);
    expect(welcome.recent[0]?.seq).toBe(9);
    expect(welcome.recent.at(-1)).toMatchObject({ seq: 58, text: "word 54" });
  });

  it("answers a bad frame with a typed error frame and keeps the socket open", async () => {
    const sub = await subscribe(await activeRoom());
    await sub.welcome();
    for (const bad of ["not json", '{"type":"subscribe"}', "[]", new Uint8Array([1, 2, 3]), "x".repeat(10_000)]) {
      sub.ws.send(bad);
      expect(await sub.next()).toEqual({ type: "error", code: "bad_message", message: expect.stringContaining("ping") });
    }
    sub.ws.send('{"type":"ping"}');
    expect(await sub.next()).toEqual({ type: "pong" });
  });

  it("answers ping with pong, whether or not the frame is byte-for-byte the usual one", async () => {
    const sub = await subscribe(await activeRoom(), "runtime");
    await sub.welcome();
    sub.ws.send('{"type":"ping"}');
    expect(await sub.next()).toEqual({ type: "pong" });
    sub.ws.send('{ "type": "ping" }');
    expect(await sub.next()).toEqual({ type: "pong" });
  });

  it("sends the final event and then closes every socket with 1000 when the session ends", async () => {
    const stub = await activeRoom();
    const viewer = await subscribe(stub);
    const runtime = await subscribe(stub, "runtime");
    await viewer.welcome();
    await runtime.welcome();
    await stub.transition({ to: "failed", reason: "caller hung up" });
    for (const sub of [viewer, runtime]) {
      expect(await sub.next()).toMatchObject({ type: "session.failed", reason: "caller hung up", seq: 4 });
      expect(await sub.closed).toMatchObject({ code: 1000 });
    }
  });

  it("welcomes a subscriber to an ended session with how it ended, then closes with 1000", async () => {
    const stub = await activeRoom();
    await stub.publish({ eventId: "end", event: { type: "session.completed", audioAvailable: true } });
    const sub = await subscribe(stub);
    const welcome = await sub.welcome();
    expect(welcome).toMatchObject({ status: "completed", seq: 4 });
    expect(welcome.recent.at(-1)).toMatchObject({ type: "session.completed", audioAvailable: true, durationMs: expect.any(Number) });
    expect(await sub.closed).toMatchObject({ code: 1000 });
  });

  it("echoes a close without a status code as 1000 and keeps serving others", async () => {
    const stub = await activeRoom();
    const leaving = await subscribe(stub);
    const staying = await subscribe(stub);
    await leaving.welcome();
    await staying.welcome();
    leaving.ws.close();
    expect(await leaving.closed).toMatchObject({ code: 1000 });
    await stub.publish({ eventId: "p1", event: partial("still here") });
    expect(await staying.next()).toMatchObject({ type: "transcript.partial", text: "still here" });
  });

  it("refuses requests that are not upgrades, lack a role, or target an uninitialised room", async () => {
    const stub = await activeRoom();
    expect((await stub.fetch("http://do/ws")).status).toBe(426);
    expect((await stub.fetch("http://do/ws", { headers: { Upgrade: "websocket", "x-subscriber-role": "admin" } })).status).toBe(400);
    const empty = SESSION_ROOM.get(SESSION_ROOM.idFromName(crypto.randomUUID()));
    expect((await empty.fetch("http://do/ws", { headers: { Upgrade: "websocket", "x-subscriber-role": "viewer" } })).status).toBe(404);
  });
});

const metrics = {
  type: "turn.metrics",
  turnId: "t1",
  role: "agent",
  metrics: { endOfUtteranceDelayMs: 120, sttFinalMs: 90, llmTtftMs: 300, toolMs: null, ttsTtfbMs: 150, voiceToVoiceMs: 700 },
} as const;
const toolResult = { type: "tool.result", toolCallId: "c1", name: "lookup", arguments: { orderId: "A-1" }, result: { status: "shipped" }, truncated: false, error: null } as const;

describe("SessionRoom member-only events", () => {
  it("sends turn metrics and tool results live to members and the runtime, never to a viewer", async () => {
    const stub = await activeRoom();
    const viewer = await subscribe(stub, "viewer");
    const member = await subscribe(stub, "member");
    const runtime = await subscribe(stub, "runtime");
    for (const sub of [viewer, member, runtime]) await sub.welcome();
    await stub.publish({ eventId: "m1", event: metrics });
    await stub.publish({ eventId: "r1", event: toolResult });
    await stub.publish({ eventId: "f1", event: { type: "transcript.final", turnId: "t2", role: "user", text: "thanks" } });
    for (const sub of [member, runtime]) {
      const frames = [await sub.next(), await sub.next(), await sub.next()];
      expect(frames.map((f) => f.type)).toEqual(["turn.metrics", "tool.result", "transcript.final"]);
      expect(frames[0]).toMatchObject({ seq: 4, metrics: { llmTtftMs: 300 } });
      expect(frames[1]).toMatchObject({ seq: 5, arguments: { orderId: "A-1" }, result: { status: "shipped" } });
    }
    // The viewer's next frame is the transcript: the two member-only events never reached it.
    expect(await viewer.next()).toMatchObject({ type: "transcript.final", seq: 6 });
    viewer.ws.send('{"type":"ping"}');
    expect(await viewer.next()).toEqual({ type: "pong" });
  });

  it("leaves member-only events out of a viewer's welcome but replays them to a member", async () => {
    const stub = await activeRoom();
    await stub.publish({ eventId: "f1", event: { type: "transcript.final", turnId: "t1", role: "agent", text: "Hi" } });
    await stub.publish({ eventId: "m1", event: metrics });
    await stub.publish({ eventId: "r1", event: toolResult });
    const viewerWelcome = await (await subscribe(stub, "viewer")).welcome();
    expect(viewerWelcome.recent.map((e) => e.type)).toEqual(["session.status", "agent.ready", "session.status", "transcript.final"]);
    expect(viewerWelcome.seq).toBe(6);
    const memberWelcome = await (await subscribe(stub, "member")).welcome();
    expect(memberWelcome.recent.map((e) => e.type)).toEqual(["session.status", "agent.ready", "session.status", "transcript.final", "turn.metrics", "tool.result"]);
  });

  it("fills a viewer's welcome with the 50 latest events it may see, however many member-only ones follow", async () => {
    const stub = await activeRoom();
    for (let i = 0; i < 50; i++) await stub.publish({ eventId: `p${i}`, event: partial(`word ${i}`) });
    for (let i = 0; i < 10; i++) await stub.publish({ eventId: `m${i}`, event: metrics });
    const welcome = await (await subscribe(stub, "viewer")).welcome();
    expect(welcome.recent).toHaveLength(50);
    expect(welcome.recent.every((e) => e.type === "transcript.partial")).toBe(true);
    expect(welcome.recent.at(-1)).toMatchObject({ text: "word 49", seq: 53 });
  });
});

describe("SessionRoom eviction", () => {
  it("keeps state and events through an eviction, and a new subscriber's welcome shows them", async () => {
    const stub = await activeRoom();
    await stub.publish({ eventId: "f1", event: { type: "transcript.final", turnId: "t1", role: "user", text: "hello" } });
    await stub.heartbeat();
    const before = await stub.state();
    await evictDurableObject(stub);
    expect(await stub.state()).toEqual(before);
    const again = await stub.publish({ eventId: "f1", event: { type: "transcript.final", turnId: "t1", role: "user", text: "hello" } });
    expect(again).toMatchObject({ ok: true, seq: 4, duplicate: true });
    const welcome = await (await subscribe(stub)).welcome();
    expect(welcome).toMatchObject({ status: "active", seq: 4 });
    expect(welcome.recent.map((e: SessionEvent) => e.type)).toEqual(["session.status", "agent.ready", "session.status", "transcript.final"]);
    expect(await stub.publish({ eventId: "f2", event: partial("next") })).toMatchObject({ ok: true, seq: 5 });
  });

  it("still delivers events to a subscriber whose socket hibernated through the eviction", async () => {
    const stub = await activeRoom();
    const sub = await subscribe(stub);
    await sub.welcome();
    await evictDurableObject(stub);
    await stub.publish({ eventId: "p1", event: partial("after eviction") });
    expect(await sub.next()).toMatchObject({ type: "transcript.partial", text: "after eviction", seq: 4 });
    sub.ws.send('{ "type": "ping" }');
    expect(await sub.next()).toEqual({ type: "pong" });
  });
});
