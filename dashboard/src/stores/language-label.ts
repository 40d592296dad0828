// Languages for people: "German (de)" rather than a bare tag, and whether a list of languages an
// engine handles covers a locale's language. Pure functions, shared by the editor and the create form.

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

/** "English (en), German (de)" for a list; "any language" for null or empty. */
export function languagesText(languages: readonly string[] | null): string {
  return !languages || languages.length === 0 ? "any language" : languages.map(languageLabel).join(", ");
}
