// What every voice runtime process sets up once, whichever transport brings it calls: the main
// process serving the local media socket (main.ts), and each job process LiveKit's agent server
// forks for a dispatch (transport/livekit/job.ts), where nothing of main() runs. Both get the same
// trace export, flushed as sessions end, and the same crash reporting: a session whose run throws,
// or that is live when the process dies of an uncaught exception, is reported Failed
// (`runtime_crashed`) at once instead of staying Active until the platform notices it is gone.
import type { RuntimeEvent } from "@speaknode/contracts";
import type { RuntimeSettings } from "./config.ts";
import { runnerDeps } from "./deps.ts";
import { errorFields, log, setLogLevel } from "./log.ts";
import type { RunnerDeps, SessionOutcome } from "./session/runner.ts";
import { exporterHeaders } from "./telemetry/exporter-auth.ts";
import { startTracing, type Tracing } from "./telemetry/tracing.ts";

/** How long a crashing process spends reporting its sessions and flushing spans before it exits. */
const crashReportBudgetMs = 3000;

/** What a session that crashed is reported as; one event id per session, so a second report is a duplicate. */
export const crashedEvent = { type: "error", code: "runtime_crashed", stage: "runtime", message: "the voice runtime crashed", fatal: true } satisfies RuntimeEvent;
export const crashedEventId = (sessionId: string) => `crash-${sessionId}`;

/** The process events crash handling listens to: `process`, or a stand-in in tests. */
export interface ProcessEvents {
  on(event: "uncaughtException", listener: (err: Error) => void): unknown;
  on(event: "unhandledRejection", listener: (reason: unknown) => void): unknown;
}

export interface RuntimeProcessOptions {
  /** Where the crash handlers are installed (default `process`). */
  processEvents?: ProcessEvents;
  /** How the process leaves after a crash (default `process.exit`). */
  exit?: (code: number) => void;
}

/** Sets up logging, trace export, the runner's dependencies and crash reporting for this process. */
export function startRuntimeProcess(settings: RuntimeSettings, options: RuntimeProcessOptions = {}): RuntimeProcess {
  setLogLevel(settings.logLevel);
  const tracing = settings.telemetry
    ? startTracing({
        endpoint: settings.telemetry.endpoint,
        // The Worker's /v1/traces takes our service token; other endpoints only the configured headers.
        headers: exporterHeaders({ endpoint: settings.telemetry.endpoint, apiUrl: settings.apiUrl, tokenSecret: settings.tokenSecret, runtimeId: settings.runtimeId, headers: settings.telemetry.headers }),
        resource: { "service.instance.id": settings.runtimeId },
      })
    : undefined;
  const deps: RunnerDeps = { ...runnerDeps(settings), telemetry: tracing ? { flush: () => tracing.forceFlush() } : undefined };
  const runtime = new RuntimeProcess(deps, tracing, options.exit ?? ((code) => process.exit(code)));
  const events = options.processEvents ?? process;
  // @livekit/agents 1.9 leaves a failed TTS stream's promise unhandled; Node would exit on it and
  // take every call with it. The session already saw the error (and reports it): log and go on.
  events.on("unhandledRejection", (reason) => log.warn("unhandled rejection", errorFields(reason)));
  events.on("uncaughtException", (err) => runtime.crashed(err));
  return runtime;
}

export class RuntimeProcess {
  readonly deps: RunnerDeps;
  readonly tracing: Tracing | undefined;
  readonly #exit: (code: number) => void;
  readonly #live = new Map<string, Promise<SessionOutcome>>();
  #crashing = false;

  constructor(deps: RunnerDeps, tracing: Tracing | undefined, exit: (code: number) => void) {
    this.deps = deps;
    this.tracing = tracing;
    this.#exit = exit;
  }

  get liveSessions(): number {
    return this.#live.size;
  }

  /** Runs one session; if the run throws, the session is reported crashed and its spans flushed. */
  runSession(sessionId: string, run: () => Promise<SessionOutcome>): Promise<SessionOutcome> {
    const outcome = Promise.resolve()
      .then(run)
      .catch(async (err: unknown): Promise<SessionOutcome> => {
        log.error("session crashed", { sessionId, ...errorFields(err) });
        await this.#reportCrashed(sessionId);
        await this.tracing?.forceFlush();
        return { status: "failed", reason: crashedEvent.code, turns: 0, usage: { prompt: 0, completion: 0 } };
      });
    this.#live.set(sessionId, outcome);
    void outcome.finally(() => {
      if (this.#live.get(sessionId) === outcome) this.#live.delete(sessionId);
    });
    return outcome;
  }

  /** Settles once every live session has ended, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    await within(Promise.allSettled([...this.#live.values()]), timeoutMs);
  }

  /** The process is dying: report every live session as crashed, flush the spans, exit 1. */
  crashed(err: unknown): void {
    log.error("voice runtime crashed", errorFields(err));
    if (this.#crashing) return;
    this.#crashing = true;
    const reports = Promise.allSettled([...this.#live.keys()].map((sessionId) => this.#reportCrashed(sessionId))).then(() => this.tracing?.forceFlush());
    void within(reports, crashReportBudgetMs).then(() => this.#exit(1));
  }

  /** Flushes and stops trace export. */
  async shutdown(): Promise<void> {
    await this.tracing?.shutdown();
  }

  async #reportCrashed(sessionId: string): Promise<void> {
    await this.deps.api.postEvent(sessionId, crashedEventId(sessionId), crashedEvent).catch((err: unknown) => log.warn("crash report not delivered", { sessionId, ...errorFields(err) }));
  }
}

async function within(work: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
