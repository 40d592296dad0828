// Languages for people in the dashboard; the label and the language match are the contracts'
// (shared with the Worker's pre-flight).
import { handlesLanguage, languageLabel } from "../../../packages/contracts/src/languages.ts";

export { handlesLanguage, languageLabel };

/** "English (en), German (de)" for a list; "any language" for null or empty. */
export function languagesText(languages: readonly string[] | null): string {
  return !languages || languages.length === 0 ? "any language" : languages.map(languageLabel).join(", ");
}
