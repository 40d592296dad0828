// Languages for people and for engines: "German (de)" rather than a bare tag, and whether the
// languages an engine handles cover a locale's language. Plain functions shared by the Worker's
// pre-flight and the dashboard (no zod, so the dashboard imports this file alone).

let names: Intl.DisplayNames | null | undefined;

function displayNames(): Intl.DisplayNames | null {
  if (names === undefined) {
    try {
      names = new Intl.DisplayNames(["en"], { type: "language" });
    } catch {
      names = null; // an engine without DisplayNames: tags alone still say which language
    }
  }
  return names;
}

/** `de` → "German (de)", `en-US` → "American English (en-US)"; an unknown or malformed tag stays as it is. */
export function languageLabel(tag: string): string {
  const trimmed = tag.trim();
  if (!trimmed) return "New language";
  let name: string | undefined;
  try {
    name = displayNames()?.of(trimmed);
  } catch {
    name = undefined; // not a well-formed tag
  }
  return name && name.toLowerCase() !== trimmed.toLowerCase() ? `${name} (${trimmed})` : trimmed;
}

const primary = (tag: string) => tag.trim().toLowerCase().split("-")[0] ?? "";

/**
 * Whether an engine handling `languages` (null or empty meaning every language) can hear or speak `tag`. Compared by
 * the primary language, so an en-US model serves a locale `en` or `en-GB`, never `de`.
 */
export function handlesLanguage(languages: readonly string[] | null, tag: string): boolean {
  if (!languages || languages.length === 0) return true;
  const want = primary(tag);
  return languages.some((l) => primary(l) === want);
}
