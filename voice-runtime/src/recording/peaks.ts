// The waveform of a recording of unknown length, kept in bounded memory while it is written: peaks
// of fixed-size blocks, and when there are twice as many blocks as the waveform may show, adjacent
// pairs merge and the block size doubles. The result is the same as bucketing the whole file.

export class PeakMeter {
  private readonly maxPeaks: number;
  private blockSamples: number;
  private readonly peaks: number[] = [];
  /** Peak and length of the block being filled. */
  private current = 0;
  private filled = 0;

  /** `initialBlockSamples` bounds the waveform's resolution for short recordings. */
  constructor(maxPeaks: number, initialBlockSamples: number) {
    this.maxPeaks = maxPeaks;
    this.blockSamples = initialBlockSamples;
  }

  add(samples: Int16Array): void {
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i]!;
      const abs = v < 0 ? -v : v;
      if (abs > this.current) this.current = abs;
      if (++this.filled === this.blockSamples) {
        this.peaks.push(this.current);
        this.current = this.filled = 0;
        if (this.peaks.length === 2 * this.maxPeaks) this.halve();
      }
    }
  }

  /** At most `maxPeaks` values in [0, 1], each the loudest sample of its stretch; `[0]` for nothing. */
  result(): number[] {
    const all = this.filled > 0 ? [...this.peaks, this.current] : [...this.peaks];
    if (all.length === 0) return [0];
    const out: number[] = [];
    // merge pairs until the count fits; each step keeps every bucket the same length but the last
    let buckets = all;
    while (buckets.length > this.maxPeaks) {
      const merged: number[] = [];
      for (let i = 0; i < buckets.length; i += 2) merged.push(Math.max(buckets[i]!, buckets[i + 1] ?? 0));
      buckets = merged;
    }
    for (const peak of buckets) out.push(Math.min(1, peak / 32768));
    return out;
  }

  private halve(): void {
    const merged: number[] = [];
    for (let i = 0; i < this.peaks.length; i += 2) merged.push(Math.max(this.peaks[i]!, this.peaks[i + 1]!));
    this.peaks.length = 0;
    this.peaks.push(...merged);
    this.blockSamples *= 2;
  }
}
