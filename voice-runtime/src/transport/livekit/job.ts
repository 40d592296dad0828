// The job LiveKit's agent server runs for each dispatch, in a process it forks that loads
// agent.ts: nothing of main() runs there, so the process sets itself up here, exactly as the main
// process does (runtime-process.ts): trace export, and crash reporting for its session. `prewarm`
// runs once as the process starts, before the library opens the job's root span
// (`job_entrypoint`), so the tracer is registered by then. The library awaits the job's shutdown
// callbacks (and nothing after them) before the process exits: ours waits for the session's last
// report and upload, then flushes its spans. A platform SIP dispatch rule's job has no session
// yet: it waits for the room's SIP participant and finds its session first (sip.ts), or hangs the
// call up by deleting the room (each such call has a room of its own).
import { warmTurnDetection } from "../../session/turn-eot.ts";
import type { JobContext, JobProcess } from "@livekit/agents";
import { trace } from "@opentelemetry/api";
import { spanSessionIdAttribute, VadSettings } from "@speaknode/contracts";
import type { RemoteParticipant } from "@livekit/rtc-node";
import type { SipDispatchMetadata } from "@speaknode/contracts";
import { loadSettings, type RuntimeSettings } from "../../config.ts";
import { errorFields, log } from "../../log.ts";
import { startRuntimeProcess, type RuntimeProcess, type RuntimeProcessOptions } from "../../runtime-process.ts";
import { runSession, type CallIo, type RunnerDeps, type SessionOutcome } from "../../session/runner.ts";
import { dispatchOf } from "./metadata.ts";
import { roomCallIo } from "./room-io.ts";
import { sipCallerWaitMs, sipCallSession, sipFactsOf, untilAnswered, waitForSipParticipant } from "./sip.ts";

export type JobEntryContext = Pick<JobContext, "job" | "room" | "connect" | "shutdown" | "addShutdownCallback" | "deleteRoom">;

export interface LiveKitJobOptions extends RuntimeProcessOptions {
  /** The job process's environment, read when the process starts. */
  env: Record<string, string | undefined>;
  /** Runs the session (the session runner; tests substitute their own). */
  runSession?: (io: CallIo, deps: RunnerDeps) => Promise<SessionOutcome>;
  /** How long a SIP dispatch waits for its caller (default sip.ts sipCallerWaitMs). */
  sipCallerWaitMs?: number;
  /** How long the session waits for a ringing SIP callee to answer (default sip.ts answerWaitMs). */
  answerWaitMs?: number;
}

export interface LiveKitJob {
  prewarm(proc: JobProcess): Promise<void>;
  entry(ctx: JobEntryContext): Promise<void>;
  /** Stops this process's trace export (tests; a job process just exits). */
  dispose(): Promise<void>;
}

/** An outbound SIP call nobody answered: no conversation ran; the Worker ends the session. */
const notAnswered: SessionOutcome = { status: "failed", reason: "not_answered", turns: 0, usage: { prompt: 0, completion: 0 } };

export function liveKitJob(options: LiveKitJobOptions): LiveKitJob {
  const run = options.runSession ?? runSession;
  let settings: RuntimeSettings | undefined;
  let started: RuntimeProcess | undefined;
  const settingsOf = () => (settings ??= loadSettings(options.env));
  // Once per process: by prewarm normally, by the entry if a process was started without it.
  const runtimeProcess = () => (started ??= startRuntimeProcess(settingsOf(), options));
  /** The session of a SIP dispatch's call, or null once the call has been hung up and the job ended. */
  const sipSession = async (ctx: JobEntryContext, rule: SipDispatchMetadata, runtime: RuntimeProcess): Promise<string | null> => {
    const hangUp = async (reason: string) => {
      // A SIP rule's room is named after the caller's number: personal data.
      log.warn("hanging up a SIP call", { reason, pii: { roomName: ctx.room.name } });
      await ctx.deleteRoom();
      ctx.shutdown(reason);
      return null;
    };
    await ctx.connect();
    const caller = await waitForSipParticipant(ctx.room, options.sipCallerWaitMs ?? sipCallerWaitMs);
    if (!caller) return hangUp("no SIP caller joined the room");
    try {
      const found = await sipCallSession(caller, { room: ctx.room, rule, tokenSecret: settingsOf().tokenSecret, api: runtime.deps.api });
      return found.action === "run" ? found.sessionId : hangUp(found.reason);
    } catch (err) {
      log.error("the SIP call's session could not be found", errorFields(err));
      return hangUp("the platform could not be reached");
    }
  };
  return {
    async prewarm() {
      const { deps } = runtimeProcess();
      // Load the VAD model once before the first call reaches this process (warms the OS cache).
      await deps.providers.vad(VadSettings.parse({}));
      // And the end-of-turn model, whose load blocks the event loop for about a second.
      await warmTurnDetection();
    },
    async entry(ctx) {
      const runtime = runtimeProcess();
      const dispatch = dispatchOf(ctx.job.metadata);
      if (!dispatch) {
        log.error("dispatch without a session id in its metadata; leaving the room", { pii: { roomName: ctx.job.room?.name } });
        ctx.shutdown("bad dispatch metadata");
        return;
      }
      const sessionId = dispatch.kind === "session" ? dispatch.sessionId : await sipSession(ctx, dispatch.rule, runtime);
      if (!sessionId) return;
      // The Worker learns the SIP leg of the call (inbound through a trunk, or the callee of an
      // outbound call) and each change of its status, in order; a lost report only loses detail.
      let reports = Promise.resolve();
      const reportSipCaller = (caller: RemoteParticipant) => {
        const facts = sipFactsOf(ctx.room, caller);
        reports = reports.then(() =>
          runtime.deps.api.sipParticipant(sessionId, facts).catch((err: unknown) => log.warn("SIP participant not reported", { sessionId, ...errorFields(err) })),
        );
      };
      // The library's job span is the parent of the session's spans: file it under the session too.
      trace.getActiveSpan()?.setAttribute(spanSessionIdAttribute, sessionId);
      const outcome = runtime.runSession(sessionId, async () => {
        await ctx.connect();
        // An outbound call's callee the Worker is dialling: greet whoever answers, not the ringing
        // tone. The Worker asks LiveKit to dial right after dispatching us, so by the time a job
        // process has started the callee is usually in the room; one who joins later is not waited for.
        if ((await untilAnswered(ctx.room, options.answerWaitMs)) === "not answered") return notAnswered;
        return run(roomCallIo(ctx, sessionId, { onSipCaller: reportSipCaller }), runtime.deps);
      });
      ctx.addShutdownCallback(async () => {
        await outcome;
        await reports;
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
