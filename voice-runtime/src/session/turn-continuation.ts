// A lexical cue beside the end-of-turn audio model. The model scores the caller's voice, and on
// synthetic or unusual voices it can take a pause mid-sentence ("I would like to order a …") for
// the end of the turn. A sentence cannot end on a conjunction, an article, a preposition, a
// possessive or a filler, so while the caller's final transcript so far ends on one of those
// words, the turn is held for the maximum endpointing delay whatever the audio model says.
//
// How: the library's end-of-turn task (audio_recognition.js `runEOUDetection`, @livekit/agents
// 1.9.0) asks the turn detector's stream for its `unlikelyThreshold(language)` each time it
// runs, including the re-run when a final transcript arrives, and holds the turn for the maximum
// delay when the model's probability is under it. Our detector's streams answer 1 while the cue
// holds: the model's probability (a sigmoid) is under 1, so the turn is held. The threshold is
// what the session reports on the user turn (`endOfTurnThreshold`), so a turn held by the cue
// reads as threshold 1 beside the model's own probability. Not covered: a prediction that failed
// (turn-eot.ts answers probability 1) or timed out (the library then skips the comparison).
import { inference, voice } from "@livekit/agents";
import { baseLanguageOf, transcriptWords } from "@speaknode/contracts";

/**
 * Words a spoken sentence does not end on, per base language (lowercase, as `transcriptWords`
 * gives them). Short on purpose: a word that often ends a sentence would hold finished turns for
 * the maximum delay, so pronouns ("das", "het"), demonstratives ("este"), verbs that end German and
 * Dutch clauses and particles of separable verbs ("zu", "mit", "voor", "in") are left out.
 */
export const continuationWords: Readonly<Record<string, readonly string[]>> = {
  en: ["and", "but", "or", "so", "because", "the", "a", "an", "to", "of", "for", "with", "my", "your", "our", "their", "is", "are", "was", "were", "if", "that", "um", "uh", "er", "erm"],
  de: ["und", "aber", "oder", "weil", "dass", "der", "dem", "des", "ein", "eine", "einen", "einem", "von", "für", "mein", "meine", "dein", "deine", "wenn", "äh", "ähm"],
  es: ["y", "pero", "o", "porque", "que", "el", "la", "los", "las", "un", "una", "de", "del", "a", "al", "en", "para", "con", "mi", "tu", "su", "si", "eh"],
  fr: ["et", "mais", "ou", "parce", "que", "le", "la", "les", "un", "une", "de", "des", "du", "à", "au", "pour", "avec", "mon", "ma", "mes", "ton", "ta", "si", "euh"],
  it: ["e", "ma", "o", "che", "il", "lo", "la", "i", "gli", "le", "un", "una", "di", "del", "della", "a", "al", "per", "con", "mio", "mia", "se", "ehm", "eh"],
  nl: ["en", "maar", "of", "omdat", "de", "een", "naar", "van", "met", "mijn", "jouw", "onze", "als", "eh", "uhm", "ehm"],
  pt: ["e", "mas", "ou", "porque", "que", "o", "a", "os", "as", "um", "uma", "de", "do", "da", "para", "com", "meu", "minha", "se", "hum"],
};

/** The threshold that holds a turn: the model's probability is under it. */
export const HOLD_THRESHOLD = 1;

/** True when the transcript ends on a word a sentence in `language` does not end on. */
export function endsMidSentence(transcript: string, language: string): boolean {
  const last = transcriptWords(transcript).at(-1);
  const words = continuationWords[baseLanguageOf(language)];
  return last !== undefined && words !== undefined && words.includes(last);
}

/**
 * One session's cue: the caller's latest final transcript, in the session's current language.
 * Speech after that final keeps the cue until its own final arrives, so the end-of-turn run at the
 * voice's end does not commit the turn before the new words are transcribed.
 */
export class ContinuationCue {
  readonly #language: () => string;
  #lastFinal = "";
  #session: voice.AgentSession | undefined;
  /** The threshold last handed to the library, to notice when a re-run changes it. */
  #handedOut: number | undefined;

  /** `language` is read at each judgement: a language switch or a transfer changes the word list. */
  constructor(language: () => string) {
    this.#language = language;
  }

  /** Follows the session's final transcripts (before the session starts). */
  attach(session: voice.AgentSession): void {
    this.#session = session;
    session.on(voice.AgentSessionEventTypes.UserInputTranscribed, (ev) => {
      if (ev.isFinal && ev.transcript.trim().length > 0) this.#lastFinal = ev.transcript;
    });
  }

  /** True while the caller's final transcript so far ends mid-sentence. */
  get holds(): boolean {
    return endsMidSentence(this.#lastFinal, this.#language());
  }

  /** The threshold the library compares the model's probability with, given the model's own. */
  threshold(modelThreshold: number | undefined): number | undefined {
    if (modelThreshold === undefined) return undefined;
    const threshold = this.holds ? Math.max(modelThreshold, HOLD_THRESHOLD) : modelThreshold;
    // The library reports a prediction once: when the re-run on a new final judges the same
    // prediction against another threshold, it would keep reporting the first. Forget that it
    // reported it, so the user turn carries the threshold its delay came from.
    if (this.#handedOut !== undefined && threshold !== this.#handedOut) forgetReportedPrediction(this.#session);
    this.#handedOut = threshold;
    return threshold;
  }
}

/** Clears audio_recognition.js's `lastEmittedEotPrediction` (its only guard against re-reporting). */
function forgetReportedPrediction(session: voice.AgentSession | undefined): void {
  const activity: unknown = session?._activity;
  const recognition: unknown = typeof activity === "object" && activity !== null && "audioRecognition" in activity ? activity.audioRecognition : undefined;
  if (typeof recognition === "object" && recognition !== null && "lastEmittedEotPrediction" in recognition) {
    Reflect.set(recognition, "lastEmittedEotPrediction", undefined);
  }
}

/** LiveKit's turn detector whose streams hold the turn while the session's cue does. */
export class ContinuationTurnDetector extends inference.TurnDetector {
  readonly #cue: ContinuationCue;

  constructor(options: inference.TurnDetectorOptions, cue: ContinuationCue) {
    super(options);
    this.#cue = cue;
  }

  override stream(opts?: Parameters<inference.TurnDetector["stream"]>[0]): ReturnType<inference.TurnDetector["stream"]> {
    const stream = super.stream(opts);
    const modelThreshold = stream.unlikelyThreshold.bind(stream);
    stream.unlikelyThreshold = async (language) => this.#cue.threshold(await modelThreshold(language));
    return stream;
  }
}
