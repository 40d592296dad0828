// The Turn-taking tab's rules, without a DOM: which languages get a backchannel list (the agent's
// languages, then any list kept for a language it no longer has), a list typed as comma-separated
// text, and when a list is the built-in one. A list equal to the built-in one is not stored, so the
// agent follows improvements to the built-in list instead of keeping a copy of today's.
import type { AgentConfig } from "../../../packages/contracts/src/agents.ts";
import { baseLanguageOf, defaultBackchannels, semanticTurnLanguages, type InterruptionSettings, type TurnSettings } from "../../../packages/contracts/src/turn-taking.ts";
import { plainMessage } from "../ui/field-words.ts";
import type { FieldErrors } from "../ui/forms.ts";

export interface BackchannelList {
  /** The base language (`en`), the key of `interruption.backchannels`. */
  language: string;
  /** The phrases the agent uses for it: its own list, else the built-in one. */
  phrases: readonly string[];
  /** Whether the agent has its own list for the language (it replaces the built-in one). */
  custom: boolean;
  builtIn: readonly string[];
  /** Whether one of the agent's locales speaks it; a list without one is kept but unused. */
  spoken: boolean;
}

/** The lists the form shows: one per base language of the locales, then the agent's other lists. */
export function backchannelLists(config: Pick<AgentConfig, "locales" | "turn">): BackchannelList[] {
  const own = config.turn.interruption.backchannels;
  const spoken = [...new Set(config.locales.map((l) => baseLanguageOf(l.language)).filter((l) => l.length > 0))];
  const kept = Object.keys(own).filter((l) => !spoken.includes(l));
  return [...spoken, ...kept].map((language) => {
    const builtIn = defaultBackchannels[language] ?? [];
    const mine = own[language];
    return { language, phrases: mine ?? builtIn, custom: mine !== undefined, builtIn, spoken: spoken.includes(language) };
  });
}

/** Phrases typed as text: separated by commas or new lines (a phrase cannot hold either), blanks dropped. */
export function phrasesOf(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

export const phrasesText = (phrases: readonly string[]): string => phrases.join(", ");

/**
 * The backchannel lists with `language`'s set to `phrases`; null, or the built-in list itself,
 * removes the agent's own list (back to the built-in one).
 */
export function withBackchannels(lists: InterruptionSettings["backchannels"], language: string, phrases: readonly string[] | null): InterruptionSettings["backchannels"] {
  const builtIn = defaultBackchannels[language] ?? [];
  const same = phrases !== null && phrases.length === builtIn.length && phrases.every((p, i) => p === builtIn[i]);
  const { [language]: _dropped, ...rest } = lists;
  return phrases === null || same ? rest : { ...rest, [language]: [...phrases] };
}

/**
 * The errors about one language's list, in words that name the phrase: a phrase's error
 * (`turn.interruption.backchannels.en.3`) quotes it, the list's own error stays as it is.
 */
export function backchannelErrors(fields: FieldErrors, language: string, phrases: readonly string[]): string[] {
  const prefix = `turn.interruption.backchannels.${language}`;
  const out: string[] = [];
  for (const [key, message] of Object.entries(fields)) {
    if (key === prefix) out.push(plainMessage(message));
    const m = key.startsWith(`${prefix}.`) ? /^(\d+)$/.exec(key.slice(prefix.length + 1)) : null;
    if (m) out.push(`"${phrases[Number(m[1])] ?? ""}" ${plainMessage(message)}`);
  }
  return out;
}

type PhoneKey = keyof TurnSettings["phone"];

/** The phone's overrides with `key` set, or removed when empty (then phone calls use the web's value). */
export function withPhoneOverride(phone: TurnSettings["phone"], key: PhoneKey, value: number | null): TurnSettings["phone"] {
  const { [key]: _dropped, ...rest } = phone;
  return value === null ? rest : { ...rest, [key]: value };
}

/** The languages (tags) the end-of-turn model does not know: in semantic mode their calls end turns on the VAD's silence. */
export function silenceFallbackLanguages(languages: readonly string[]): string[] {
  return languages.filter((l) => !semanticTurnLanguages.includes(baseLanguageOf(l)));
}
