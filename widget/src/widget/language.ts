// Which of the agent's languages a conversation starts in: the host's configure() choice, then
// the element's `language` attribute, then the visitor's browser languages, then the agent's
// default. A wanted language the agent does not speak is skipped (the API would refuse it).

export interface AgentLanguage {
  language: string;
  default: boolean;
}

/** The agent language matching a tag: exactly (case-insensitive), else by primary subtag. */
export function matchLanguage(languages: readonly AgentLanguage[], wanted: string): string | null {
  const lower = wanted.toLowerCase();
  const exact = languages.find((l) => l.language.toLowerCase() === lower);
  if (exact) return exact.language;
  const primary = lower.split("-")[0];
  return languages.find((l) => l.language.toLowerCase().split("-")[0] === primary)?.language ?? null;
}

export function pickLanguage(languages: readonly AgentLanguage[], explicit: readonly (string | null | undefined)[], browser: readonly string[]): string | undefined {
  for (const wanted of explicit) {
    if (!wanted) continue;
    const match = matchLanguage(languages, wanted);
    if (match) return match;
    console.warn(`speacknode-agent: the agent does not speak "${wanted}"`);
  }
  for (const wanted of browser) {
    const match = matchLanguage(languages, wanted);
    if (match) return match;
  }
  return languages.find((l) => l.default)?.language ?? languages[0]?.language;
}
