// Reports one session's events to the runtime API in the order they happened, each with a stable
// id, and loses none of its record while the API is down. Every turn, tool call, error, hand-off
// and the session's end is written to the session's spool file (spool-file.ts) before it is sent;
// one loop delivers the queue head first, retrying transient failures (network, 401/403, 408, 429,
// 5xx) with capped backoff for as long as it takes, so nothing is ever sent out of order and the
// end is never reported before what came earlier. The events endpoint keeps one row per event id,
// so a redelivery (an answer lost on the way, a restart) is a duplicate, never a second row.
// A refusal (any other 4xx) is final: that event is dropped, counted and logged, and the rest go on.
//
// Partial transcripts only matter live: they are never spooled, only the newest per turn waits,
// and while the API is unavailable they are dropped instead of sent. Heartbeats do not come
// through here (they are liveness, not record; the runner posts them itself).
//
// The spool is bounded (`maxSpoolBytes`, by default 64 MiB of undelivered events per session —
// thousands of times a long call's record). At the bound, new turns, tool calls and other
// non-final events are refused (counted in `dropped`, logged with their type), while the
// session's end (`completed` or a fatal `error`) is always spooled, so the session still ends.
// Logs never carry event content: session id, event id and type, status and code only.
//
// A pushed event goes out `pushDelayMs` (50 ms) after it was pushed, not in the same tick: a
// turn's events are pushed exactly when the session hands over from one provider to the next (the
// final transcript starts the LLM, the LLM's first text starts the speech synthesis), and posting
// them there (serialising, signing, the HTTP request) delays that hand-off, which is the caller's
// wait. A moment later the providers are working and the event loop is idle. `send` (the events
// someone waits on) and `flush` deliver at once.
import type { RuntimeEvent } from "@speaknode/contracts";
import { errorFields, log } from "../log.ts";
import { RuntimeApiError } from "./client.ts";
import type { SpoolFile } from "./spool-file.ts";

/** What the sink needs of the runtime API client. */
export interface EventPoster {
  postEvent(sessionId: string, eventId: string, event: RuntimeEvent): Promise<unknown>;
}

export interface EventSinkOptions {
  /** The session's spool file; without one, undelivered events are held in memory only. */
  spool?: SpoolFile | undefined;
  /** Undelivered bytes the spool may hold before non-final events are refused (default 64 MiB). */
  maxSpoolBytes?: number;
  /** Redelivery backoff: from `retryBaseMs` (default 500) doubling up to `retryMaxMs` (default 10 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long a pushed event waits before its delivery starts (default 50 ms; see above). */
  pushDelayMs?: number;
  /** How long `send` waits for the API's answer by default (15 s); the event stays queued after. */
  sendWaitMs?: number;
  /** Records a previous process left in `spool`, delivered first; the file is removed once they are. */
  recovered?: { eventId: string; event: RuntimeEvent }[];
  /** Called once the sink lets go of its spool: done (the end, or the recovered records, delivered and the file removed) or stopped (the file left for another process). */
  onRelease?: () => void;
}

/** `send` gave up waiting: the event was neither acknowledged nor refused in time. It stays queued (and spooled). */
export class EventPendingError extends Error {
  override name = "EventPendingError";
}

/** The event was not taken: the spool is full, or the session's end was already delivered. */
export class EventDroppedError extends Error {
  override name = "EventDroppedError";
}

interface Entry {
  eventId: string;
  event: RuntimeEvent;
  /** Settles once the record is on disk (or writing it failed); undefined when not spooled. */
  durable: Promise<void> | undefined;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

export const defaultMaxSpoolBytes = 64 * 1024 * 1024;

const isFinal = (event: RuntimeEvent): boolean => event.type === "completed" || (event.type === "error" && event.fatal);

/** Whether the API may take the event later: it did not answer, or not yet with a verdict on the event. */
function isTransient(err: unknown): boolean {
  if (!(err instanceof RuntimeApiError)) return true;
  // 401/403: our token or the platform's secret is being fixed or rotated; the events stay ours to deliver.
  return err.retryable || err.status === 401 || err.status === 403;
}

export class EventSink {
  readonly #api: EventPoster;
  readonly #sessionId: string;
  readonly #spool: SpoolFile | undefined;
  readonly #maxSpoolBytes: number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #sendWaitMs: number;
  readonly #pushDelayMs: number;
  #pushTimer: NodeJS.Timeout | undefined;
  readonly #onRelease: (() => void) | undefined;
  readonly #queue: Entry[] = [];
  #seq = 0;
  #running: Promise<void> | undefined;
  #failures = 0;
  #dropped = 0;
  /** The session's end is in the queue (or delivered): once the queue drains, the sink is done. */
  #ending = false;
  #done = false;
  #stopped = false;
  #spoolFailed = false;
  #unavailableSinceMs: number | undefined;
  #wake: (() => void) | undefined;

  constructor(api: EventPoster, sessionId: string, opts: EventSinkOptions = {}) {
    this.#api = api;
    this.#sessionId = sessionId;
    this.#spool = opts.spool;
    this.#maxSpoolBytes = opts.maxSpoolBytes ?? defaultMaxSpoolBytes;
    this.#retryBaseMs = opts.retryBaseMs ?? 500;
    this.#retryMaxMs = opts.retryMaxMs ?? 10_000;
    this.#sendWaitMs = opts.sendWaitMs ?? 15_000;
    this.#pushDelayMs = opts.pushDelayMs ?? 50;
    this.#onRelease = opts.onRelease;
    if (opts.recovered) {
      for (const r of opts.recovered) this.#queue.push({ eventId: r.eventId, event: r.event, durable: undefined, waiters: [] });
      this.#ending = true;
      this.#kick();
    }
  }

  /** Events the API refused (final 4xx): they will not be delivered. */
  get failures(): number {
    return this.#failures;
  }

  /** Events refused at the spool bound. */
  get dropped(): number {
    return this.#dropped;
  }

  /** True once the session's end was answered and nothing remains: the spool is gone. */
  get done(): boolean {
    return this.#done;
  }

  push(event: RuntimeEvent): void {
    if (this.#enqueue(event)) this.#kickSoon();
  }

  /**
   * Queues `event` after everything pushed before and resolves when the API accepted it; rejects
   * with the API's refusal, or with EventPendingError after `waitMs` (the event is still delivered
   * later). A `completed` or fatal `error` event is the session's end: once it and everything
   * before it are answered, the spool is removed.
   */
  send(event: RuntimeEvent, opts: { waitMs?: number } = {}): Promise<void> {
    const entry = this.#enqueue(event);
    if (!entry) return Promise.reject(new EventDroppedError(`the ${event.type} event was not queued`));
    this.#kick();
    const waitMs = opts.waitMs ?? this.#sendWaitMs;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new EventPendingError(`the ${event.type} event was not acknowledged within ${waitMs} ms; it stays queued`)), waitMs);
      entry.waiters.push({ resolve: () => (clearTimeout(timer), resolve()), reject: (err) => (clearTimeout(timer), reject(err)) });
    });
  }

  /** Resolves when everything queued so far was answered (during an outage that is when the API is back). */
  async flush(): Promise<void> {
    if (this.#pushTimer) this.#kick();
    while (this.#running) await this.#running;
  }

  /** Stops delivering and closes the spool, leaving it on disk for a later process (shutdown; tests of a dying process). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#pushTimer);
    this.#pushTimer = undefined;
    this.#wake?.();
    await this.#running;
    await this.#spool?.close();
    this.#onRelease?.();
  }

  #enqueue(event: RuntimeEvent): Entry | undefined {
    if (this.#done || this.#stopped) {
      log.warn("runtime event after the session's events were closed; dropped", { sessionId: this.#sessionId, eventType: event.type });
      return undefined;
    }
    if (event.type === "transcript.partial") {
      const stale = this.#queue.findIndex((q, i) => i > 0 && q.event.type === "transcript.partial" && q.event.turnId === event.turnId);
      if (stale >= 0) this.#queue.splice(stale, 1);
    }
    this.#seq += 1;
    const entry: Entry = { eventId: `${event.type}-${this.#seq}`, event, durable: undefined, waiters: [] };
    if (this.#spool && event.type !== "transcript.partial") {
      const line = JSON.stringify({ eventId: entry.eventId, event }) + "\n";
      if (!isFinal(event) && this.#spool.bytes + Buffer.byteLength(line) > this.#maxSpoolBytes) {
        this.#dropped += 1;
        // One line at the bound, then one per hundred: an outage long enough to get here must not also flood the logs.
        if (this.#dropped % 100 === 1) log.error("runtime event spool full; events dropped", { sessionId: this.#sessionId, eventType: event.type, spoolBytes: this.#spool.bytes, dropped: this.#dropped });
        return undefined;
      }
      entry.durable = this.#spool.append(line).catch((err: unknown) => {
        // The disk failed us (full, read-only): the event still goes out, it just would not survive a crash.
        if (!this.#spoolFailed) log.error("runtime event spool write failed; events held in memory only", { sessionId: this.#sessionId, ...errorFields(err) });
        this.#spoolFailed = true;
      });
    }
    if (isFinal(event)) this.#ending = true;
    this.#queue.push(entry);
    return entry;
  }

  /** Starts delivering after the push delay, unless delivery runs or is already due. */
  #kickSoon(): void {
    if (this.#running || this.#pushTimer) return;
    this.#pushTimer = setTimeout(() => this.#kick(), this.#pushDelayMs);
  }

  #kick(): void {
    clearTimeout(this.#pushTimer);
    this.#pushTimer = undefined;
    this.#running ??= this.#deliver().finally(() => {
      this.#running = undefined;
      if (this.#queue.length > 0 && !this.#stopped) this.#kick();
    });
  }

  async #deliver(): Promise<void> {
    let attempt = 0;
    for (let head = this.#queue[0]; head && !this.#stopped; head = this.#queue[0]) {
      if (head.durable) await head.durable;
      if (this.#stopped) return;
      if (head.event.type === "transcript.partial" && this.#unavailableSinceMs !== undefined) {
        this.#settle(head);
        continue;
      }
      try {
        await this.#api.postEvent(this.#sessionId, head.eventId, head.event);
      } catch (err) {
        if (head.event.type === "transcript.partial") {
          this.#settle(head);
          continue;
        }
        if (!isTransient(err)) {
          this.#failures += 1;
          log.error("runtime event refused", { sessionId: this.#sessionId, eventId: head.eventId, eventType: head.event.type, ...apiFields(err) });
          this.#settle(head, err);
          continue;
        }
        attempt += 1;
        if (this.#unavailableSinceMs === undefined) {
          this.#unavailableSinceMs = Date.now();
          log.warn("runtime API unavailable; holding the session's events", { sessionId: this.#sessionId, eventType: head.event.type, ...apiFields(err) });
        }
        await this.#sleep(Math.min(this.#retryMaxMs, this.#retryBaseMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5));
        continue;
      }
      if (this.#unavailableSinceMs !== undefined) {
        log.info("runtime API available again; delivering held events", { sessionId: this.#sessionId, unavailableMs: Date.now() - this.#unavailableSinceMs, pending: this.#queue.length });
        this.#unavailableSinceMs = undefined;
      }
      attempt = 0;
      this.#settle(head);
    }
    if (this.#stopped || this.#queue.length > 0 || !this.#spool) {
      if (this.#ending && !this.#stopped && this.#queue.length === 0) this.#finish();
      return;
    }
    try {
      if (this.#ending) await this.#spool.remove();
      else await this.#spool.truncate();
    } catch (err) {
      log.warn("runtime event spool not cleaned up", { sessionId: this.#sessionId, ...errorFields(err) });
    }
    if (this.#ending && this.#queue.length === 0) this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#onRelease?.();
  }

  #settle(entry: Entry, err?: unknown): void {
    this.#queue.splice(this.#queue.indexOf(entry), 1);
    for (const w of entry.waiters) {
      if (err === undefined) w.resolve();
      else w.reject(err);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}

function apiFields(err: unknown): Record<string, unknown> {
  if (err instanceof RuntimeApiError) return { errorName: err.name, status: err.status, code: err.code ?? null };
  return { errorName: err instanceof Error ? err.name : typeof err };
}
