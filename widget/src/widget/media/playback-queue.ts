// The playback worklet's jitter buffer: agent audio (already at the context rate) and the
// server's marks, in order. Playback starts once `startMs` of audio is buffered (or a segment is
// complete, so a short reply is not held back), restarts buffering after an underrun, and a mark
// is reported only when every sample queued before it has been rendered.

type Item = { kind: "audio"; samples: Float32Array; offset: number } | { kind: "mark"; name: string };

export interface RenderResult {
  /** Marks whose audio has now played, in order. */
  marks: string[];
  /** Whether this block contained agent audio. */
  played: boolean;
}

export class PlaybackQueue {
  private readonly items: Item[] = [];
  private readonly startSamples: number;
  private buffered = 0;
  private playing = false;

  constructor(startSamples: number) {
    this.startSamples = startSamples;
  }

  /** Samples queued and not yet played. */
  get bufferedSamples(): number {
    return this.buffered;
  }

  pushAudio(samples: Float32Array): void {
    if (samples.length === 0) return;
    this.items.push({ kind: "audio", samples, offset: 0 });
    this.buffered += samples.length;
  }

  pushMark(name: string): void {
    this.items.push({ kind: "mark", name });
  }

  /** Barge-in: drop everything at once; the cleared marks are never reported. */
  clear(): void {
    this.items.length = 0;
    this.buffered = 0;
    this.playing = false;
  }

  /** Fills `out` (zeros where there is nothing to play). */
  render(out: Float32Array): RenderResult {
    out.fill(0);
    const marks: string[] = [];
    // A mark in the queue ends a segment: play what is there even below the threshold.
    if (!this.playing && (this.buffered >= this.startSamples || this.items.some((item) => item.kind === "mark"))) this.playing = true;
    let written = 0;
    while (this.items.length > 0) {
      const head = this.items[0];
      if (!head) break;
      if (head.kind === "mark") {
        marks.push(head.name);
        this.items.shift();
        continue;
      }
      if (!this.playing || written === out.length) break;
      const take = Math.min(out.length - written, head.samples.length - head.offset);
      out.set(head.samples.subarray(head.offset, head.offset + take), written);
      written += take;
      head.offset += take;
      this.buffered -= take;
      if (head.offset === head.samples.length) this.items.shift();
    }
    // Ran dry: buffer up again before the next sound, rather than stutter frame by frame.
    if (this.buffered === 0) this.playing = false;
    return { marks, played: written > 0 };
  }
}
