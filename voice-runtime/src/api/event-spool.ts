// The runtime's event spools: one directory under the runtime's data dir, one file per session
// (spool-file.ts), one EventSink delivering each. `open` gives a live session its sink; `recover`
// finds the spools of processes that are gone — this runtime before a crash or restart, or a
// LiveKit job process that died — claims each (an atomic rename to this process's name, so two
// sweepers never deliver the same file) and delivers what is left in it, in order, until the API
// has answered every record; then the file is removed. A recovered session gets no end event
// from here: the platform fails a session whose runtime went silent ("runtime lost"), and the
// turns that arrive after that are still stored.
//
// The directory belongs to the runtime processes of one host (a LiveKit worker and its job
// processes share it); a spool whose writer is alive is never touched.
import { readdir, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { errorFields, log } from "../log.ts";
import { isProcessAlive } from "../process-alive.ts";
import { EventSink, type EventPoster } from "./event-sink.ts";
import { isNotFound, parseSpoolFileName, readSpoolFile, SpoolFile, spoolFileName } from "./spool-file.ts";

export interface EventSpoolOptions {
  dir: string;
  api: EventPoster;
  /** Per session; see EventSink for what happens at the bound. */
  maxSpoolBytes?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  sendWaitMs?: number;
  /** This process's id (tests pretend to be another process). */
  pid?: number;
}

/**
 * Spool files some sink of this process is writing or delivering, by path. Files belong to
 * processes (their names carry the pid), not to EventSpool instances: the main process's
 * recovery sweep must never take a file a session's sink in the same process still holds.
 */
const heldByThisProcess = new Set<string>();

export class EventSpool {
  readonly dir: string;
  readonly #opts: EventSpoolOptions;
  readonly #pid: number;
  /** This instance's sinks still delivering, by spool file path. */
  readonly #live = new Map<string, EventSink>();

  constructor(opts: EventSpoolOptions) {
    this.dir = opts.dir;
    this.#opts = opts;
    this.#pid = opts.pid ?? process.pid;
  }

  /** Sinks still delivering (live sessions, and recovered spools not yet delivered). */
  get sinks(): EventSink[] {
    return [...this.#live.values()];
  }

  /** The sink of a new session, spooling to its own file. */
  open(sessionId: string): EventSink {
    const name = spoolFileName(sessionId, this.#pid);
    if (!name) {
      // Session ids come from signed tokens; one that is no file name still gets its events, just not spooled.
      log.warn("session id unfit for a spool file; its events are held in memory only", { sessionId: sessionId.slice(0, 100) });
      return new EventSink(this.#opts.api, sessionId, this.#sinkOptions());
    }
    return this.#hold(name, (spool, onRelease) => new EventSink(this.#opts.api, sessionId, { ...this.#sinkOptions(), spool, onRelease }));
  }

  /** Starts delivering every spool whose writer is gone; resolves with how many were found. */
  async recover(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isNotFound(err)) return 0;
      throw err;
    }
    let found = 0;
    for (const name of names) {
      const owner = parseSpoolFileName(name);
      if (!owner || heldByThisProcess.has(join(this.dir, name)) || !this.#ownerGone(owner.pid)) continue;
      const claimed = spoolFileName(owner.sessionId, this.#pid);
      if (!claimed) continue;
      const path = join(this.dir, claimed);
      if (heldByThisProcess.has(path)) continue;
      // Held before the first await: a sweep that overlaps this one must not claim the file too.
      heldByThisProcess.add(path);
      let left: Awaited<ReturnType<typeof readSpoolFile>>;
      let size: number;
      try {
        await rename(join(this.dir, name), path);
        left = await readSpoolFile(path);
        ({ size } = await stat(path));
      } catch (err) {
        heldByThisProcess.delete(path);
        // Another sweeper claimed it first.
        if (isNotFound(err)) continue;
        throw err;
      }
      log.info("delivering the events a previous runtime process left", { sessionId: owner.sessionId, events: left.records.length, skipped: left.skipped });
      this.#hold(claimed, (spool, onRelease) => new EventSink(this.#opts.api, owner.sessionId, { ...this.#sinkOptions(), spool, recovered: left.records, onRelease }), size);
      found += 1;
    }
    return found;
  }

  /** Recovers now and then every `intervalMs`, for job processes that die while this one lives. */
  startRecovery(intervalMs = 60_000): { stop(): void } {
    const sweep = () => void this.recover().catch((err: unknown) => log.error("event spool recovery failed", { dir: this.dir, ...errorFields(err) }));
    sweep();
    const timer = setInterval(sweep, intervalMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  /** Stops every sink, leaving their spools for the next process. */
  async stop(): Promise<void> {
    await Promise.all([...this.#live.values()].map((s) => s.stop()));
  }

  /** Makes the sink of spool file `name`, held by this process until it is done or stopped. */
  #hold(name: string, make: (spool: SpoolFile, onRelease: () => void) => EventSink, bytes = 0): EventSink {
    const path = join(this.dir, name);
    const release = () => {
      this.#live.delete(path);
      heldByThisProcess.delete(path);
    };
    const sink = make(new SpoolFile(this.dir, name, bytes), release);
    this.#live.set(path, sink);
    heldByThisProcess.add(path);
    return sink;
  }

  #sinkOptions() {
    const { maxSpoolBytes, retryBaseMs, retryMaxMs, sendWaitMs } = this.#opts;
    return {
      ...(maxSpoolBytes !== undefined ? { maxSpoolBytes } : {}),
      ...(retryBaseMs !== undefined ? { retryBaseMs } : {}),
      ...(retryMaxMs !== undefined ? { retryMaxMs } : {}),
      ...(sendWaitMs !== undefined ? { sendWaitMs } : {}),
    };
  }

  #ownerGone(pid: number): boolean {
    // Our own id on a file we do not hold: an earlier process that had the same id (a container's pid 1).
    return pid === this.#pid || !isProcessAlive(pid);
  }
}
