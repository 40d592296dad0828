// PocketsphinxSTT's streaming mode: a VAD of its own (the session's Silero, with the turn's
// silence) cuts the audio into utterances, and each utterance's audio goes to the warm decoder
// while the caller speaks, from the VAD's start of speech (with the prefix padding it keeps). At
// the VAD's end of speech only the decoder's end-of-utterance pass is left (~10 ms), so the final
// transcript follows almost at once; interim transcripts come every ~300 ms of new speech when
// their text changed. Events: START_OF_SPEECH, INTERIM_TRANSCRIPT…, FINAL_TRANSCRIPT (omitted when
// nothing was recognised, as the library's adapter does), END_OF_SPEECH, RECOGNITION_USAGE.
import { type APIConnectOptions, type LanguageCode, log, stt, type VAD, type VADEvent, VADEventType } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import type { PocketsphinxStreamDecoder, Utterance } from "./pocketsphinx-stream.ts";
import { PocketsphinxDecodeError } from "./pocketsphinx-stream.ts";

/** The base stream resamples input to this rate, which is the model's. */
const RATE_HZ = 16_000;

export interface PocketsphinxStreamSettings {
  decoder: PocketsphinxStreamDecoder;
  vad: VAD;
  language: LanguageCode;
  /** Longest wait for a final beyond the utterance's own duration before the decoder is restarted. */
  decodeTimeoutMs: number;
}

function pcmOf(frames: readonly AudioFrame[]): Int16Array[] {
  return frames.map((frame) => frame.data.subarray(0, frame.samplesPerChannel * frame.channels));
}

export class PocketsphinxSpeechStream extends stt.SpeechStream {
  label = "speaknode.offline.PocketsphinxSpeechStream";
  readonly #owner: stt.STT;
  readonly #settings: PocketsphinxStreamSettings;
  #utterance: Utterance | null = null;
  #utteranceStartS = 0;

  constructor(owner: stt.STT, settings: PocketsphinxStreamSettings, connOptions?: APIConnectOptions) {
    // 16 kHz in: the base class resamples whatever the call delivers (48 kHz web, 8 kHz phone)
    // once, for the VAD and the decoder alike.
    super(owner, RATE_HZ, connOptions);
    this.#owner = owner;
    this.#settings = settings;
  }

  protected async run(): Promise<void> {
    const vadStream = this.#settings.vad.stream();
    let vadOpen = true;
    // A VAD stream throws when closed twice; closing it also ends the loop over its events.
    const closeVad = () => {
      if (vadOpen) vadStream.close();
      vadOpen = false;
    };
    const forward = async () => {
      for await (const input of this.input) {
        if (input === stt.SpeechStream.FLUSH_SENTINEL) vadStream.flush();
        else vadStream.pushFrame(input);
      }
      closeVad();
    };
    const recognise = async () => {
      for await (const event of vadStream) await this.#onVadEvent(event);
    };
    try {
      await Promise.all([forward(), recognise()]);
    } finally {
      this.#utterance?.drop();
      this.#utterance = null;
      closeVad();
    }
  }

  async #onVadEvent(event: VADEvent): Promise<void> {
    switch (event.type) {
      case VADEventType.START_OF_SPEECH: {
        this.#utterance?.drop();
        const utterance = this.#settings.decoder.open((text) => this.#interim(utterance, text));
        this.#utterance = utterance;
        // The frames hold the prefix padding and the speech so far: the decoder starts there.
        for (const pcm of pcmOf(event.frames)) utterance.write(pcm);
        this.#utteranceStartS = event.samplesIndex / RATE_HZ - utterance.seconds;
        this.queue.put({ type: stt.SpeechEventType.START_OF_SPEECH });
        return;
      }
      case VADEventType.INFERENCE_DONE:
        // Sent before the START_OF_SPEECH of its own window, whose frames that event already holds.
        if (this.#utterance !== null) for (const pcm of pcmOf(event.frames)) this.#utterance.write(pcm);
        return;
      case VADEventType.END_OF_SPEECH:
        await this.#final(event);
        return;
      default:
        return;
    }
  }

  #interim(utterance: Utterance, text: string): void {
    if (text === "" || this.queue.closed) return;
    this.queue.put({ type: stt.SpeechEventType.INTERIM_TRANSCRIPT, requestId: `u${utterance.id}`, alternatives: [this.#alternative(text, utterance.seconds)] });
  }

  async #final(event: VADEvent): Promise<void> {
    const utterance = this.#utterance;
    this.#utterance = null;
    if (utterance === null) return;
    const speechEndTime = Date.now() - event.silenceDuration - event.inferenceDuration;
    const seconds = utterance.seconds;
    try {
      const result = await utterance.end(this.#settings.decodeTimeoutMs + seconds * 1000, this.abortSignal);
      if (result.text !== "" && !this.queue.closed) {
        this.queue.put({
          type: stt.SpeechEventType.FINAL_TRANSCRIPT,
          requestId: result.utteranceId,
          speechEndTime,
          alternatives: [{ ...this.#alternative(result.text, seconds), metadata: { pathScore: result.pathScore } }],
        });
      }
    } catch (error) {
      if (this.abortSignal.aborted) return;
      // One utterance lost (the decoder failed twice): the conversation goes on with the next.
      const failure = error instanceof Error ? error : new Error(String(error));
      log().child({ stt: this.label, error: failure.message }).warn("pocketsphinx could not transcribe an utterance");
      const recoverable = failure instanceof PocketsphinxDecodeError && failure.retryable;
      this.#owner.emit("error", { type: "stt_error", timestamp: Date.now(), label: this.#owner.label, error: failure, recoverable });
    }
    if (this.queue.closed) return;
    this.queue.put({ type: stt.SpeechEventType.END_OF_SPEECH, speechEndTime });
    this.queue.put({ type: stt.SpeechEventType.RECOGNITION_USAGE, requestId: `u${utterance.id}`, recognitionUsage: { audioDuration: seconds } });
  }

  #alternative(text: string, seconds: number): stt.SpeechData {
    const startTime = this.startTimeOffset + Math.max(0, this.#utteranceStartS);
    // pocketsphinx gives a path score, not a posterior; 0 says "unknown".
    return { language: this.#settings.language, text, startTime, endTime: startTime + seconds, confidence: 0 };
  }
}
