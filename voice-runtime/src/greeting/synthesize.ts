// Speaks a greeting the way the session's own speech path does (the library's default ttsNode: the
// session's text transforms, a streaming TTS as is, any other sentence by sentence through a
// StreamAdapter), so a clip made at publish sounds like one made during a call, and the first
// sentence plays before the rest is synthesized. It also says whether the synthesis was whole: the
// library reports a provider's failure as an "error" event on the TTS and just ends the stream, so
// an ended stream alone proves nothing.
import { tokenize, tts, voice } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import type { GreetingClip } from "./greeting-cache.ts";

/** The transforms AgentSession applies to spoken text by default (the runner keeps the default). */
export const sessionTextTransforms: readonly voice.textTransforms.TextTransform[] = ["filter_markdown", "filter_emoji"];

export interface GreetingSynthesis {
  /** The audio as it comes; ends early (without error) when the synthesis fails or is stopped. */
  frames: AsyncIterableIterator<AudioFrame>;
  /** Stops the synthesis (the caller stopped listening). */
  stop(): void;
  /** Once `frames` has ended: the error the TTS reported, if any, and whether the audio is whole. */
  readonly failure: Error | undefined;
  readonly complete: boolean;
}

export function synthesizeGreeting(engine: tts.TTS, text: string, transforms: readonly voice.textTransforms.TextTransform[] = sessionTextTransforms): GreetingSynthesis {
  const wrapped = engine.capabilities.streaming ? engine : new tts.StreamAdapter(engine, new tokenize.basic.SentenceTokenizer());
  const state: { failure: Error | undefined; ended: boolean; stopped: boolean; frames: number } = { failure: undefined, ended: false, stopped: false, frames: 0 };
  // A StreamAdapter's streams report on the TTS they wrap, and so does a streaming TTS. First in
  // line: a listener before it may throw (the adapter re-emits on itself; see below).
  const onError = (e: { error: Error }) => void (state.failure ??= e.error);
  engine.prependListener("error", onError);
  // The adapter forwards the wrapped TTS's errors as its own; with no listener EventEmitter would
  // throw them out of the provider's stream. They are already counted above.
  const swallow = () => {};
  if (wrapped !== engine) wrapped.on("error", swallow);
  const input = new ReadableStream<string>({
    start(controller) {
      controller.enqueue(text);
      controller.close();
    },
  });
  const stream = wrapped.stream();
  stream.updateInputStream(transforms.length > 0 ? voice.textTransforms.applyTextTransforms(input, transforms) : input);

  async function* frames(): AsyncGenerator<AudioFrame> {
    try {
      for await (const chunk of stream) {
        if (chunk === tts.SynthesizeStream.END_OF_STREAM) break;
        state.frames++;
        yield chunk.frame;
      }
      state.ended = !stream.abortSignal.aborted;
    } finally {
      stream.close();
      engine.off("error", onError);
      if (wrapped !== engine) {
        wrapped.off("error", swallow);
        await wrapped.close().catch(() => {});
      }
    }
  }

  return {
    frames: frames(),
    stop() {
      state.stopped = true;
      stream.close();
    },
    get failure() {
      return state.failure;
    },
    get complete() {
      return state.ended && !state.stopped && state.failure === undefined && state.frames > 0;
    },
  };
}

/** Frames collected as one clip, in the first frame's format; null if they do not share one. */
export function clipOf(frames: readonly AudioFrame[]): GreetingClip | null {
  const first = frames[0];
  if (!first) return null;
  const { sampleRate, channels } = first;
  if (frames.some((f) => f.sampleRate !== sampleRate || f.channels !== channels)) return null;
  const samples = new Int16Array(frames.reduce((n, f) => n + f.samplesPerChannel * f.channels, 0));
  let at = 0;
  for (const f of frames) {
    const part = f.data.subarray(0, f.samplesPerChannel * f.channels);
    samples.set(part, at);
    at += part.length;
  }
  return { sampleRateHz: sampleRate, channels, samples };
}
