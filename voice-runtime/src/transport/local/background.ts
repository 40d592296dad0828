// Adapts a background source to the call's sample rate, so the sender can read exactly one
// frame of it at a time whatever rate its factory produced.
import { AudioFrame, AudioResampler } from "@livekit/rtc-node";
import type { BackgroundSource } from "../../audio/types.ts";
import { PcmQueue } from "./pcm.ts";

export interface ResampledBackground extends BackgroundSource {
  close(): void;
}

export function backgroundAt(source: BackgroundSource, sampleRateHz: number): ResampledBackground {
  if (source.sampleRateHz === sampleRateHz) {
    return { sampleRateHz, read: (count) => source.read(count), close: () => {} };
  }
  const resampler = new AudioResampler(source.sampleRateHz, sampleRateHz, 1);
  const ready = new PcmQueue();
  // ~20 ms of the source per push: the resampler's output size varies, the queue evens it out.
  const chunk = Math.max(1, Math.round(source.sampleRateHz / 50));
  return {
    sampleRateHz,
    read(count) {
      while (ready.length < count) {
        const samples = source.read(chunk);
        if (samples.length === 0) break; // a source that ran dry: the rest of the frame is silence
        for (const frame of resampler.push(new AudioFrame(samples, source.sampleRateHz, 1, samples.length))) {
          ready.push(frame.data.subarray(0, frame.samplesPerChannel));
        }
      }
      const out = new Int16Array(count);
      out.set(ready.take(count));
      return out;
    },
    close: () => resampler.close(),
  };
}
