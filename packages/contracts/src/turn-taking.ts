// How an agent takes turns: when the caller's turn is over (the VAD's silence, or LiveKit's local
// end-of-turn model with dynamic endpointing), whether the reply starts on the transcript before
// the turn is confirmed, and what counts as an interruption (backchannels and short noises do
// not). One definition for the API, the dashboard's form and the voice runtime.
import { z } from "zod";
import { text } from "./text.ts";

export const TurnDetectionMode = z.enum(["vad", "semantic"]).meta({ id: "TurnDetectionMode" });
export type TurnDetectionMode = z.infer<typeof TurnDetectionMode>;

/** A base language (`en`, `de`, `pt`): backchannel lists are per language, not per region. */
const BaseLanguage = text().regex(/^[a-z]{2,3}$/, "must be a base language code like en or de");
const Backchannel = text()
  .trim()
  .min(1, "must not be empty")
  .max(40, "must be at most 40 characters")
  .regex(/^[\p{L}\p{M}' -]+$/u, "must be letters, spaces, hyphens or apostrophes");

const delay = (max: number) => z.number().int().min(0).max(max);

export const InterruptionSettings = z
  .strictObject({
    /** The caller's voice must last this long over the agent before the agent stops (coughs, clicks and short noises do not stop it). */
    minDurationMs: delay(5000).default(200),
    /** Words the caller must say for the agent to drop its reply; fewer (or backchannels only) and it resumes where it stopped. */
    minWords: z.number().int().min(0).max(10).default(1),
    /** Words and short phrases that acknowledge without taking the turn, per base language; a language listed here replaces its built-in list. */
    backchannels: z.record(BaseLanguage, z.array(Backchannel).max(100)).default({}),
    /** When the agent stopped for speech that was no turn (no words, or backchannels only), it resumes where it stopped instead of dropping its reply. */
    resumeFalseInterruption: z.boolean().default(true),
  })
  .meta({ id: "InterruptionSettings" });
export type InterruptionSettings = z.infer<typeof InterruptionSettings>;

/** Phone calls (8 kHz, more line noise): what differs from the web's settings; unset = the same. */
export const PhoneTurnOverrides = z
  .strictObject({
    minEndpointingDelayMs: delay(3000).optional(),
    maxEndpointingDelayMs: delay(10_000).optional(),
    minInterruptionDurationMs: delay(5000).optional(),
  })
  .meta({ id: "PhoneTurnOverrides" });

export const TurnSettings = z
  .strictObject({
    /** `vad`: the turn ends after the VAD's minimum silence. `semantic`: LiveKit's local end-of-turn model judges each pause. */
    detection: TurnDetectionMode.default("semantic"),
    /** Semantic: the pause after which the turn ends when the model is confident the caller is done. */
    minEndpointingDelayMs: delay(3000).default(250),
    /** Semantic: the longest wait when the model thinks the caller is mid-thought. */
    maxEndpointingDelayMs: delay(10_000).default(2500),
    /** Start the reply on the transcript before the turn is confirmed; discarded if the caller goes on. */
    preemptiveGeneration: z.boolean().default(true),
    interruption: InterruptionSettings.default(InterruptionSettings.parse({})),
    phone: PhoneTurnOverrides.default({}),
  })
  .superRefine((t, ctx) => {
    if (t.maxEndpointingDelayMs < t.minEndpointingDelayMs) ctx.addIssue({ code: "custom", path: ["maxEndpointingDelayMs"], message: "must be at least the minimum endpointing delay" });
    // The phone's pair only when the phone overrides one of them: else the error above says it all.
    if (t.phone.minEndpointingDelayMs === undefined && t.phone.maxEndpointingDelayMs === undefined) return;
    const min = t.phone.minEndpointingDelayMs ?? t.minEndpointingDelayMs;
    const max = t.phone.maxEndpointingDelayMs ?? t.maxEndpointingDelayMs;
    if (max < min) ctx.addIssue({ code: "custom", path: ["phone", "maxEndpointingDelayMs"], message: "must be at least the phone's minimum endpointing delay" });
  })
  .meta({ id: "TurnSettings" });
export type TurnSettings = z.infer<typeof TurnSettings>;

export const defaultTurnSettings: TurnSettings = TurnSettings.parse({});

/** Base languages LiveKit's local end-of-turn model (turn-detector-v1-mini) knows; others fall back to the VAD's silence. */
export const semanticTurnLanguages: readonly string[] = ["en", "de", "es", "fr", "it", "nl", "pt", "ja", "ko", "zh", "ar", "hi", "id", "tr"];

/** Built-in backchannels per base language; an agent's `interruption.backchannels[lang]` replaces a list. */
export const defaultBackchannels: Readonly<Record<string, readonly string[]>> = {
  en: ["yeah", "yes", "yep", "yup", "uh-huh", "uh huh", "mm-hmm", "mm hmm", "mhm", "mm", "hmm", "hm", "okay", "ok", "right", "sure", "alright", "all right", "i see", "got it", "oh", "ah", "uh", "um", "cool"],
  de: ["ja", "jaja", "genau", "okay", "ok", "mhm", "hm", "aha", "stimmt", "richtig", "klar", "gut", "ach so"],
  fr: ["oui", "ouais", "d'accord", "ok", "okay", "mhm", "hm", "ah", "bien", "voilà", "exactement", "je vois"],
  es: ["sí", "si", "vale", "ajá", "aja", "claro", "ok", "okay", "mhm", "bueno", "ya", "exacto", "ya veo"],
  pt: ["sim", "uhum", "aham", "tá", "ta", "claro", "ok", "okay", "certo", "é", "entendi"],
  it: ["sì", "si", "certo", "ok", "okay", "esatto", "già", "mhm", "va bene", "capito"],
  nl: ["ja", "oké", "ok", "okay", "mhm", "hm", "klopt", "precies", "juist"],
  ru: ["да", "ага", "угу", "ясно", "понятно", "хорошо", "ладно"],
};

/** The base language of a BCP 47 tag (`en-US` → `en`). */
export function baseLanguageOf(tag: string): string {
  return (tag.split("-")[0] ?? tag).toLowerCase();
}

/** The backchannel list an agent uses for a language: its own for that base language, else the built-in one. */
export function backchannelsFor(settings: InterruptionSettings, language: string): readonly string[] {
  const base = baseLanguageOf(language);
  return settings.backchannels[base] ?? defaultBackchannels[base] ?? [];
}

/** Lower-case words of a transcript, punctuation dropped; hyphens split words ("uh-huh" → uh huh). */
export function transcriptWords(transcript: string): string[] {
  return transcript
    .toLowerCase()
    .normalize("NFC")
    .replace(/[^\p{L}\p{M}\p{N}']+/gu, " ")
    .split(" ")
    .filter((w) => w.length > 0 && w !== "'");
}

/**
 * True when the transcript is made only of the given backchannel phrases (matched word by word,
 * longest phrase first) — "yeah okay", "uh-huh", "mm hmm right". Empty text is no backchannel:
 * it is no speech at all.
 */
export function isBackchannel(transcript: string, phrases: readonly string[]): boolean {
  const words = transcriptWords(transcript);
  if (words.length === 0) return false;
  const lists = phrases.map(transcriptWords).filter((p) => p.length > 0);
  lists.sort((a, b) => b.length - a.length);
  let at = 0;
  while (at < words.length) {
    const match = lists.find((p) => p.every((w, i) => words[at + i] === w));
    if (!match) return false;
    at += match.length;
  }
  return true;
}

/** The settings a call on `channel` uses: the phone's overrides applied to phone calls. */
export function turnSettingsForChannel(settings: TurnSettings, phone: boolean): TurnSettings {
  if (!phone) return settings;
  const o = settings.phone;
  return {
    ...settings,
    minEndpointingDelayMs: o.minEndpointingDelayMs ?? settings.minEndpointingDelayMs,
    maxEndpointingDelayMs: o.maxEndpointingDelayMs ?? settings.maxEndpointingDelayMs,
    interruption: { ...settings.interruption, minDurationMs: o.minInterruptionDurationMs ?? settings.interruption.minDurationMs },
  };
}
