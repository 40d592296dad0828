// The job LiveKit's agent server runs for each dispatch, in a process it forks that loads
// agent.ts: nothing of main() runs there, so the process sets itself up here, exactly as the main
// process does (runtime-process.ts): trace export, and crash reporting for its session. `prewarm`
// runs once as the process starts, before the library opens the job's root span
// (`job_entrypoint`), so the tracer is registered by then. The library awaits the job's shutdown
// callbacks (and nothing after them) before the process exits: ours waits for the session's last
// report and upload, then flushes its spans.
import type { JobContext, JobProcess } from "@livekit/agents";
import { trace } from "@opentelemetry/api";
import { spanSessionIdAttribute, VadSettings } from "@speaknode/contracts";
import { loadSettings } from "../../config.ts";
import { log } from "../../log.ts";
import { startRuntimeProcess, type RuntimeProcess, type RuntimeProcessOptions } from "../../runtime-process.ts";
import { runSession, type CallIo, type RunnerDeps, type SessionOutcome } from "../../session/runner.ts";
import { sessionOfDispatch } from "./metadata.ts";
import { roomCallIo } from "./room-io.ts";

export type JobEntryContext = Pick<JobContext, "job" | "room" | "connect" | "shutdown" | "addShutdownCallback">;

export interface LiveKitJobOptions extends RuntimeProcessOptions {
  /** The job process's environment, read when the process starts. */
  env: Record<string, string | undefined>;
  /** Runs the session (the session runner; tests substitute their own). */
  runSession?: (io: CallIo, deps: RunnerDeps) => Promise<SessionOutcome>;
}

export interface LiveKitJob {
  prewarm(proc: JobProcess): Promise<void>;
  entry(ctx: JobEntryContext): Promise<void>;
  /** Stops this process's trace export (tests; a job process just exits). */
  dispose(): Promise<void>;
}

export function liveKitJob(options: LiveKitJobOptions): LiveKitJob {
  const run = options.runSession ?? runSession;
  let started: RuntimeProcess | undefined;
  // Once per process: by prewarm normally, by the entry if a process was started without it.
  const runtimeProcess = () => (started ??= startRuntimeProcess(loadSettings(options.env), options));
  return {
    async prewarm() {
      const { deps } = runtimeProcess();
      // Load the VAD model once before the first call reaches this process (warms the OS cache).
      await deps.providers.vad(VadSettings.parse({}));
    },
    async entry(ctx) {
      const runtime = runtimeProcess();
      const sessionId = sessionOfDispatch(ctx.job.metadata);
      if (!sessionId) {
        log.error("dispatch without a session id in its metadata; leaving the room", { roomName: ctx.job.room?.name });
        ctx.shutdown("bad dispatch metadata");
        return;
      }
      // The library's job span is the parent of the session's spans: file it under the session too.
      trace.getActiveSpan()?.setAttribute(spanSessionIdAttribute, sessionId);
      const outcome = runtime.runSession(sessionId, async () => {
        await ctx.connect();
        return run(roomCallIo(ctx, sessionId), runtime.deps);
      });
      ctx.addShutdownCallback(async () => {
        await outcome;
        await runtime.tracing?.forceFlush();
      });
      const { status, reason } = await outcome;
      // The job ends with its session (the call's close has usually asked already; asking again is harmless).
      ctx.shutdown(status === "completed" ? "session ended" : `session failed: ${reason}`);
    },
    async dispose() {
      await started?.shutdown();
    },
  };
}
