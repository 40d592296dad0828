// The LiveKit job as its forked process runs it, with LiveKit's side played by fakes (no server
// can run here): a FakeJobContext around a FakeRoom, the library's `job_entrypoint` span opened
// around the entry as job_proc_lazy_main does, and the shutdown callbacks run after it, which is
// the last thing the process does before it exits. The Worker is the fake runtime API, the trace
// endpoint a collector on 127.0.0.1.
import { EventEmitter } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { JobProcess, telemetry } from "@livekit/agents";
import { ParticipantKind, RoomEvent } from "@livekit/rtc-node";
import { trace } from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../../test/fixtures.ts";
import type { CallIo, SessionOutcome } from "../../session/runner.ts";
import { liveKitJob, type LiveKitJob } from "./job.ts";
import { FakeJobContext } from "./testing.ts";

interface ExportedSpan {
  name: string;
  attributes: { key: string; value: { stringValue?: string } }[];
}

let api: FakeRuntimeApi;
let collector: Server;
const exported: ExportedSpan[] = [];

beforeAll(async () => {
  api = await startFakeRuntimeApi();
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[] };
      exported.push(...body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
});

afterAll(async () => {
  await api.close();
  await new Promise<void>((r) => collector.close(() => r()));
});

let job: LiveKitJob | undefined;
afterEach(async () => {
  await job?.dispose();
  job = undefined;
  exported.length = 0;
});

/** A job process of its own: its environment, its process events, its exit. */
function jobProcess(runSession: (io: CallIo) => Promise<SessionOutcome>) {
  const processEvents = new EventEmitter();
  const exit = vi.fn<(code: number) => void>();
  job = liveKitJob({
    env: {
      SPEAKNODE_API_URL: api.url,
      RUNTIME_TOKEN_SECRET: testTokenSecret,
      RUNTIME_TRANSPORT: "livekit",
      LIVEKIT_URL: "ws://127.0.0.1:7880",
      LIVEKIT_API_KEY: "APIkey123",
      LIVEKIT_API_SECRET: "a-livekit-secret-of-at-least-32-characters",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`,
      LOG_LEVEL: "warn",
    },
    processEvents,
    exit,
    runSession: (io) => runSession(io),
  });
  return { job, processEvents, exit };
}

/** A dispatch of a session the fake Worker knows. */
function dispatch(): { sessionId: string; ctx: FakeJobContext } {
  const sessionId = newSessionId();
  api.sessions.set(sessionId, runtimeConfig({ sessionId }));
  return { sessionId, ctx: new FakeJobContext({ metadata: JSON.stringify({ sessionId }) }) };
}

/** What job_proc_lazy_main does with the entry: runs it inside the library's `job_entrypoint` span. */
function runEntry(entry: LiveKitJob["entry"], ctx: FakeJobContext): Promise<void> {
  return telemetry.tracer.startActiveSpan(async () => entry(ctx), { name: "job_entrypoint" });
}

const completed: SessionOutcome = { status: "completed", reason: "caller_hung_up", turns: 1, usage: { prompt: 10, completion: 5 } };

function sessionIdOf(span: ExportedSpan | undefined): string | undefined {
  return span?.attributes.find((a) => a.key === "speaknode.session.id")?.value.stringValue;
}

describe("the LiveKit job process", () => {
  it("starts trace export when the process starts and flushes the session's spans before it exits", async () => {
    const { job } = jobProcess(async (io) => {
      const end = await io.ended;
      trace.getTracer("test").startSpan("agent_session").end();
      await io.close(end.reason);
      return completed;
    });
    await job.prewarm(new JobProcess());
    const { sessionId, ctx } = dispatch();
    const entry = runEntry(job.entry, ctx);
    // the job is connected and listening to the room before anyone comes and goes
    await vi.waitFor(() => expect(ctx.fakeRoom.listenerCount(RoomEvent.ParticipantDisconnected)).toBeGreaterThan(0));
    const egress = ctx.fakeRoom.join({ identity: "EG_recorder", kind: ParticipantKind.EGRESS });
    const caller = ctx.fakeRoom.join({ identity: "visitor-1", kind: ParticipantKind.STANDARD });
    ctx.fakeRoom.leave(egress);
    ctx.fakeRoom.leave(caller);
    await entry;
    expect(ctx.connected).toBe(true);
    expect(ctx.shutdownReasons).toEqual(["caller hung up", "session ended"]);

    await ctx.runShutdownCallbacks();
    // No waiting: the batch processor would hold the spans for 5 s; the shutdown callback sent them.
    const names = exported.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["job_entrypoint", "agent_session"]));
    for (const span of exported) expect(sessionIdOf(span), span.name).toBe(sessionId);
  });

  it("reports a crash in the entry as the session failing, ends the job and flushes what it traced", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const { job } = jobProcess(async () => {
        trace.getTracer("test").startSpan("before the crash").end();
        throw new TypeError("boom");
      });
      await job.prewarm(new JobProcess());
      const { sessionId, ctx } = dispatch();
      await runEntry(job.entry, ctx);

      expect(api.eventsOf(sessionId)).toEqual([{ type: "error", code: "runtime_crashed", stage: "runtime", message: "the voice runtime crashed", fatal: true }]);
      expect(ctx.shutdownReasons).toEqual(["session failed: runtime_crashed"]);
      const crashLog = stderr.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>).find((l) => l["message"] === "session crashed");
      expect(crashLog).toMatchObject({ level: "error", sessionId, errorName: "TypeError" });

      await ctx.runShutdownCallbacks();
      expect(exported.map((s) => s.name)).toEqual(expect.arrayContaining(["before the crash", "job_entrypoint"]));
    } finally {
      stderr.mockRestore();
    }
  });

  it("reports its live session and exits 1 when the process dies of an uncaught exception", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      let running!: () => void;
      const started = new Promise<void>((resolve) => (running = resolve));
      const { job, processEvents, exit } = jobProcess(async (io) => {
        trace.getTracer("test").startSpan("turn").end();
        running();
        await io.ended;
        return completed;
      });
      await job.prewarm(new JobProcess());
      const { sessionId, ctx } = dispatch();
      void runEntry(job.entry, ctx);
      await started;
      processEvents.emit("uncaughtException", new RangeError("native callback failed"));

      await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1), { timeout: 4000 });
      expect(api.eventsOf(sessionId)).toEqual([{ type: "error", code: "runtime_crashed", stage: "runtime", message: "the voice runtime crashed", fatal: true }]);
      expect(exported.map((s) => s.name)).toContain("turn");
    } finally {
      stderr.mockRestore();
    }
  });

  it("leaves the room without running a session when the dispatch names none", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const run = vi.fn(async () => completed);
      const { job } = jobProcess(run);
      const ctx = new FakeJobContext({ metadata: JSON.stringify({ room: "x" }) });
      await runEntry(job.entry, ctx);
      expect(run).not.toHaveBeenCalled();
      expect(ctx.connected).toBe(false);
      expect(ctx.shutdownReasons).toEqual(["bad dispatch metadata"]);
    } finally {
      stderr.mockRestore();
    }
  });
});
