// Finds the recordings a runtime that died mid-call left on disk and delivers them to their
// sessions once those have ended (a live session's directory may still be written by whoever runs
// it). Runs when the runtime starts and then periodically, since a session whose runtime just died
// stays live until the platform notices the silence. A directory whose delivery fails is tried
// again later, less and less often; one whose session no longer exists is removed.
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { RuntimeSessionState } from "@speaknode/contracts";
import { RuntimeApiError } from "../api/client.ts";
import { errorFields, log } from "../log.ts";
import { deliverRecording, recordingDirHolder, sessionOfRecordingDir, type RecordingUploader } from "./delivery.ts";

export interface SweeperApi extends RecordingUploader {
  sessionState(sessionId: string): Promise<RuntimeSessionState>;
}

export interface SweeperOptions {
  api: SweeperApi;
  /** Where the runner creates the recording directories. */
  dir: string;
  intervalMs?: number;
  now?: () => number;
}

export interface SweepReport {
  delivered: string[];
  /** Sessions still live, held by a living process, or waiting out a backoff. */
  skipped: string[];
  failed: string[];
  /** Directories of sessions that no longer exist, removed. */
  removed: string[];
}

const firstRetryMs = 60_000;
const maxRetryMs = 60 * 60_000;

export class RecordingSweeper {
  readonly #opts: Required<SweeperOptions>;
  readonly #retries = new Map<string, { failures: number; atMs: number }>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<SweepReport> | undefined;

  constructor(opts: SweeperOptions) {
    this.#opts = { intervalMs: 60_000, now: Date.now, ...opts };
  }

  /** Sweeps now, then every interval until `stop`. */
  start(): void {
    // A sweep runs beside live calls: whatever it throws is logged, never left to take the process down.
    const sweep = () => void this.sweep().catch((err: unknown) => log.error("recording sweep failed", { dir: this.#opts.dir, ...errorFields(err) }));
    sweep();
    this.#timer = setInterval(sweep, this.#opts.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One pass over the directory; a pass already running is joined, not doubled. */
  sweep(): Promise<SweepReport> {
    this.#running ??= this.#sweepOnce().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #sweepOnce(): Promise<SweepReport> {
    const report: SweepReport = { delivered: [], skipped: [], failed: [], removed: [] };
    let names: string[];
    try {
      names = await readdir(this.#opts.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") log.warn("recording sweep: cannot list the recordings directory", { dir: this.#opts.dir, ...errorFields(err) });
      return report;
    }
    for (const name of names) {
      const sessionId = sessionOfRecordingDir(name);
      if (!sessionId) continue;
      const dir = join(this.#opts.dir, name);
      if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) continue;
      const outcome = await this.#visit(sessionId, dir);
      report[outcome].push(sessionId);
    }
    if (report.delivered.length + report.failed.length + report.removed.length > 0) {
      log.info("recording sweep", { delivered: report.delivered.length, failed: report.failed.length, removed: report.removed.length, waiting: report.skipped.length });
    }
    return report;
  }

  async #visit(sessionId: string, dir: string): Promise<keyof SweepReport> {
    const retry = this.#retries.get(dir);
    if (retry && this.#opts.now() < retry.atMs) return "skipped";
    if ((await recordingDirHolder(dir)) !== "none") return "skipped";
    let state: RuntimeSessionState;
    try {
      state = await this.#opts.api.sessionState(sessionId);
    } catch (err) {
      if (!(err instanceof RuntimeApiError && err.status === 404 && err.code === "not_found")) return this.#failed(sessionId, dir, err);
      // The session is gone (its space was deleted): the audio has nowhere to go and is not ours to keep.
      await rm(dir, { recursive: true, force: true });
      this.#retries.delete(dir);
      log.warn("recording sweep: the session no longer exists; its recording was removed", { sessionId });
      return "removed";
    }
    if (!state.ended) return "skipped";
    try {
      await deliverRecording(this.#opts.api, sessionId, dir);
    } catch (err) {
      return this.#failed(sessionId, dir, err);
    }
    this.#retries.delete(dir);
    return "delivered";
  }

  #failed(sessionId: string, dir: string, err: unknown): "failed" {
    const failures = (this.#retries.get(dir)?.failures ?? 0) + 1;
    this.#retries.set(dir, { failures, atMs: this.#opts.now() + Math.min(maxRetryMs, firstRetryMs * 2 ** (failures - 1)) });
    log.warn("recording sweep: delivery failed; kept on disk for a later attempt", { sessionId, failures, ...errorFields(err) });
    return "failed";
  }
}
