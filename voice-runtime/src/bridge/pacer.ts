// The agent's audio on its way to VoxImplant: cut into 20 ms frames, sent by the wall clock with a
// small lead, never faster. VoxImplant plays what it receives in real time from its own buffer
// (which discards beyond 10 s), so the lead is the far side's jitter cushion: enough to ride out
// a late timer or a late frame from the sink, small enough that a barge-in `clear` has little to
// throw away. The schedule is a playhead — when the far side will have played everything sent —
// not the frames' arrival times, so timing drift of the sink does not accumulate.
//
// Back-pressure: while the socket's bufferedAmount is above the bound, frames wait here; the
// queue itself is bounded and drops its oldest audio beyond it (counted). An underrun is the far
// side running dry in the middle of speech (a frame arriving just after the playhead passed).

export interface PacerMetrics {
  framesOut: number;
  underruns: number;
  drops: number;
  queueMs: number;
}

export interface PacerOptions {
  sampleRateHz: number;
  frameMs?: number;
  /** How far ahead of real time the sender may run (default 60 ms). */
  leadMs?: number;
  /**
   * Jitter buffer for a sink that delivers in real time without a lead of its own (LiveKit): a
   * talk spurt starts once this much is queued, or its first frame waited this long (default 0).
   */
  prebufferMs?: number;
  /** Queue beyond this is dropped, oldest first (default 2000 ms). */
  maxQueueMs?: number;
  /** Sending waits while the socket holds more than this (default 64 KiB). */
  maxBufferedBytes?: number;
  /** A gap shorter than this after the playhead passed is an underrun, not the end of a segment. */
  underrunGapMs?: number;
  bufferedAmount: () => number;
  send: (frame: Int16Array) => void;
  now?: () => number;
}

export class Pacer {
  private readonly frameSamples: number;
  private readonly frameMs: number;
  private readonly leadMs: number;
  private readonly maxQueueFrames: number;
  private readonly maxBufferedBytes: number;
  private readonly underrunGapMs: number;
  private readonly prebufferMs: number;
  /** When the oldest queued frame arrived, while the far side is idle. */
  private spurtQueuedAt: number | null = null;
  private readonly now: () => number;
  private readonly queue: Int16Array[] = [];
  /** Samples of a partial frame not yet queued. */
  private partial = new Int16Array(0);
  private playheadMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private paused = true;
  private stopped = false;
  private readonly drainWaiters: (() => void)[] = [];
  readonly metrics: Omit<PacerMetrics, "queueMs"> = { framesOut: 0, underruns: 0, drops: 0 };

  private readonly options: PacerOptions;

  constructor(options: PacerOptions) {
    this.options = options;
    this.frameMs = options.frameMs ?? 20;
    this.frameSamples = Math.round((options.sampleRateHz * this.frameMs) / 1000);
    this.leadMs = options.leadMs ?? 60;
    this.maxQueueFrames = Math.ceil((options.maxQueueMs ?? 2000) / this.frameMs);
    this.maxBufferedBytes = options.maxBufferedBytes ?? 64 * 1024;
    this.underrunGapMs = options.underrunGapMs ?? 100;
    this.prebufferMs = options.prebufferMs ?? 0;
    this.now = options.now ?? Date.now;
  }

  get queueMs(): number {
    return this.queue.length * this.frameMs;
  }

  /** Sending starts (the far side's media format is known); until then audio waits in the queue. */
  resume(): void {
    if (this.stopped) return;
    this.paused = false;
    this.pump();
  }

  push(samples: Int16Array): void {
    if (this.stopped || samples.length === 0) return;
    let joined = samples;
    if (this.partial.length > 0) {
      joined = new Int16Array(this.partial.length + samples.length);
      joined.set(this.partial);
      joined.set(samples, this.partial.length);
    }
    let offset = 0;
    for (; offset + this.frameSamples <= joined.length; offset += this.frameSamples) this.queue.push(joined.slice(offset, offset + this.frameSamples));
    this.partial = joined.slice(offset);
    while (this.queue.length > this.maxQueueFrames) {
      this.queue.shift();
      this.metrics.drops++;
    }
    this.pump();
  }

  /** Barge-in: everything not yet sent is dropped; the far side clears its own buffer. */
  clear(): void {
    this.queue.length = 0;
    this.spurtQueuedAt = null;
    this.partial = new Int16Array(0);
    this.playheadMs = 0;
    this.settleDrain();
  }

  /** Resolves once the queue is empty (the partial frame padded and sent), or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    if (this.partial.length > 0) {
      const padded = new Int16Array(this.frameSamples);
      padded.set(this.partial);
      this.partial = new Int16Array(0);
      this.queue.push(padded);
      this.pump();
    }
    if (this.queue.length === 0 || this.paused) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.settleDrain();
  }

  private pump(): void {
    if (this.paused || this.stopped) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    let now = this.now();
    if (this.prebufferMs > 0 && this.queue.length > 0 && this.playheadMs <= now) {
      // The far side is idle: a new spurt waits for its cushion (or for its first frame's patience).
      this.spurtQueuedAt ??= now;
      const waitMs = Math.min(this.spurtQueuedAt + this.prebufferMs - now, this.queueMs < this.prebufferMs ? Infinity : 0);
      if (waitMs > 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.pump();
        }, waitMs);
        return;
      }
    }
    this.spurtQueuedAt = null;
    while (this.queue.length > 0) {
      if (this.playheadMs - now >= this.leadMs) break; // far enough ahead: wait for the clock
      if (this.options.bufferedAmount() > this.maxBufferedBytes) break; // the socket is backed up
      const frame = this.queue.shift()!;
      if (this.playheadMs > 0 && now > this.playheadMs && now - this.playheadMs < this.underrunGapMs) this.metrics.underruns++;
      this.playheadMs = Math.max(this.playheadMs, now) + this.frameMs;
      this.metrics.framesOut++;
      this.options.send(frame);
      now = this.now();
    }
    if (this.queue.length === 0) {
      this.settleDrain();
      return;
    }
    // Wake when the next frame falls inside the lead (or soon, to look at the socket again).
    const waitMs = Math.max(1, Math.min(this.frameMs, this.playheadMs - this.leadMs - now + 1));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, waitMs);
  }

  private settleDrain(): void {
    for (const waiter of this.drainWaiters.splice(0)) waiter();
  }
}
