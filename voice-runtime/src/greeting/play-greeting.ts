// The first message of a call, spoken from the greeting cache when it holds it — no synthesis, so
// the greeting starts the moment media connects — and otherwise synthesized while it plays, the
// frames teed into the cache so the next call hits. Only a whole synthesis is kept: a provider
// failure, an interruption or the call ending mid-greeting leaves the cache as it was.
import type { tts, voice } from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";
import type { Locale, RuntimeConfig } from "@speaknode/contracts";
import { errorFields, log } from "../log.ts";
import type { SessionReporter } from "../session/reporter.ts";
import type { GreetingCache, GreetingClip } from "./greeting-cache.ts";
import { greetingKey } from "./greeting-key.ts";
import { clipOf, synthesizeGreeting, type GreetingSynthesis } from "./synthesize.ts";

/** Cached clips are replayed in 20 ms frames, the size the offline TTS and most plugins send. */
const frameMs = 20;

export interface Greeting {
  cache: GreetingCache;
  /** Which agent and version speaks (the runtime configuration has these fields). */
  agent: Pick<RuntimeConfig, "agentId" | "agentVersion" | "draftVersion">;
  /** The locale the call starts in; `firstMessage` is the rendered text. */
  locale: Locale;
  allowInterruptions: boolean;
  /** The TTS that speaks the locale on a miss; default: the session's current agent's. */
  tts?: tts.TTS | undefined;
}

/**
 * Says the locale's first message (a drop-in for `session.say(firstMessage, { allowInterruptions })`):
 * cached audio on a hit, which marks the agent's turn `audioFromCache`; on a miss, the locale's TTS
 * speaks it and a whole clip is cached.
 */
export function playGreeting(session: voice.AgentSession, reporter: Pick<SessionReporter, "noteCachedAudio">, greeting: Greeting): voice.SpeechHandle {
  const text = greeting.locale.firstMessage;
  const engine = greeting.tts ?? session.currentAgent.tts;
  // Without a TTS the library's own path says why it cannot speak.
  if (!engine) return session.say(text, { allowInterruptions: greeting.allowInterruptions });
  const key = greetingKey(greeting);
  const transforms = session.sessionOptions.ttsTextTransforms ?? [];
  const audio = greetingAudio({ cache: greeting.cache, key, text, engine, transforms, onHit: () => reporter.noteCachedAudio(text) });
  const handle = session.say(text, { audio: audio.stream, allowInterruptions: greeting.allowInterruptions });
  // Interrupted before it played (or the call ended): nobody reads the audio, so stop making it.
  handle.addDoneCallback(() => audio.stop());
  return handle;
}

interface AudioSource {
  cache: GreetingCache;
  key: string;
  text: string;
  engine: tts.TTS;
  transforms: readonly voice.textTransforms.TextTransform[];
  onHit(): void;
}

/** The greeting's frames; the first read decides between the cache and the TTS. */
export function greetingAudio(source: AudioSource): { stream: ReadableStream<AudioFrame>; stop(): void } {
  let frames: Iterator<AudioFrame> | AsyncIterator<AudioFrame> | undefined;
  let synthesis: GreetingSynthesis | undefined;
  let stopped = false;

  async function open(): Promise<Iterator<AudioFrame> | AsyncIterator<AudioFrame>> {
    const clip = source.cache.peek(source.key) ?? (await source.cache.get(source.key).catch((err: unknown) => void log.warn("greeting cache unreadable", errorFields(err))));
    if (clip) {
      source.onHit();
      return framesOf(clip);
    }
    synthesis = synthesizeGreeting(source.engine, source.text, source.transforms);
    if (stopped) synthesis.stop();
    return teeIntoCache(synthesis, source);
  }

  const stream = new ReadableStream<AudioFrame>({
    async pull(controller) {
      frames ??= await open();
      const next = await frames.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      stopped = true;
      synthesis?.stop();
      await frames?.return?.();
    },
  });
  return {
    stream,
    stop() {
      stopped = true;
      synthesis?.stop();
    },
  };
}

async function* teeIntoCache(synthesis: GreetingSynthesis, source: AudioSource): AsyncGenerator<AudioFrame> {
  const copies: AudioFrame[] = [];
  for await (const frame of synthesis.frames) {
    // A copy: what the session does with the frame it plays is its own business.
    copies.push(new AudioFrame(frame.data.slice(0, frame.samplesPerChannel * frame.channels), frame.sampleRate, frame.channels, frame.samplesPerChannel));
    yield frame;
  }
  const clip = synthesis.complete ? clipOf(copies) : null;
  if (!clip) return;
  source.cache.put(source.key, clip).catch((err: unknown) => log.warn("greeting not cached", errorFields(err)));
}

/** A clip as `frameMs` frames. */
export function* framesOf(clip: GreetingClip): Generator<AudioFrame> {
  const perFrame = Math.max(1, Math.round((clip.sampleRateHz * frameMs) / 1000));
  const step = perFrame * clip.channels;
  for (let at = 0; at < clip.samples.length; at += step) {
    const data = clip.samples.slice(at, Math.min(at + step, clip.samples.length));
    yield new AudioFrame(data, clip.sampleRateHz, clip.channels, data.length / clip.channels);
  }
}
