// PCM16 plumbing for the local media transport: wire bytes ↔ samples, a sample FIFO, mixing.
import { endianness } from "node:os";
import type { AudioFrame } from "@livekit/rtc-node";

const littleEndianHost = endianness() === "LE";

/** Samples from a little-endian wire frame (copied: ws may hand out pooled, odd-offset buffers). */
export function pcmFromBytes(bytes: Uint8Array): Int16Array {
  const samples = new Int16Array(bytes.byteLength >> 1);
  if (littleEndianHost) {
    new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 2));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
  }
  return samples;
}

/** A little-endian wire frame for the samples (a view, not a copy, on little-endian hosts). */
export function bytesFromPcm(samples: Int16Array): Uint8Array {
  if (littleEndianHost) return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] ?? 0, true);
  return bytes;
}

/** A frame's samples as mono (channels averaged), without copying a mono frame. */
export function monoSamples(frame: AudioFrame): Int16Array {
  const channels = frame.channels;
  if (channels <= 1) return frame.data.subarray(0, frame.samplesPerChannel);
  const mono = new Int16Array(frame.samplesPerChannel);
  for (let i = 0; i < mono.length; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += frame.data[i * channels + c] ?? 0;
    mono[i] = Math.round(sum / channels);
  }
  return mono;
}

/** Adds `background × volume` into `target` in place, saturating at the PCM16 range. */
export function mixInto(target: Int16Array, background: Int16Array, volume: number): void {
  const n = Math.min(target.length, background.length);
  for (let i = 0; i < n; i++) {
    const mixed = (target[i] ?? 0) + Math.round((background[i] ?? 0) * volume);
    target[i] = mixed > 32767 ? 32767 : mixed < -32768 ? -32768 : mixed;
  }
}

/** A FIFO of samples pushed in chunks of any size and taken in chunks of another. */
export class PcmQueue {
  private chunks: Int16Array[] = [];
  private headOffset = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(samples: Int16Array): void {
    if (samples.length === 0) return;
    this.chunks.push(samples);
    this.total += samples.length;
  }

  /** Removes and returns up to `count` samples (fewer only when the queue holds fewer). */
  take(count: number): Int16Array {
    const out = new Int16Array(Math.min(count, this.total));
    let filled = 0;
    while (filled < out.length) {
      const head = this.chunks[0];
      if (!head) break;
      const n = Math.min(head.length - this.headOffset, out.length - filled);
      out.set(head.subarray(this.headOffset, this.headOffset + n), filled);
      filled += n;
      this.headOffset += n;
      if (this.headOffset >= head.length) {
        this.chunks.shift();
        this.headOffset = 0;
      }
    }
    this.total -= filled;
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.headOffset = 0;
    this.total = 0;
  }
}
