// How the scripted demo brain reads what was said: words and tool names, spoken numbers (with a
// phone line's homophones), languages, and from them the arguments of the tool a caller asked for.

/** The part of a tool's JSON Schema parameters the script reads. */
export interface SchemaNode {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
}

// ---- Arguments from an utterance -------------------------------------------------------------

/** Fills the tool's parameters from the words: enums by word, numbers from digits or number words
 *  (string ids as "42", integers as 42), then required free text from the words left over. */
export function buildArgs(tool: { name: string; schema: SchemaNode }, words: string[], freeText?: string): { args: Record<string, unknown>; missing?: { key: string; node: SchemaNode } } {
  const properties = Object.entries(tool.schema.properties ?? {});
  const required = new Set(tool.schema.required ?? []);
  const used = new Set<number>();
  const args: Record<string, unknown> = {};
  const kindOf = ([key, node]: [string, SchemaNode]): number => (enumOf(node).length ? 0 : isNumeric(node) || isIdentifier(key) ? 1 : 2);
  for (const entry of [...properties].sort((a, b) => kindOf(a) - kindOf(b))) {
    const [key, node] = entry;
    let value: unknown;
    if (kindOf(entry) === 0) value = matchEnum(enumOf(node), words, used);
    else if (kindOf(entry) === 1) {
      // Identifiers are read digit by digit, so a recogniser's "for two" is 4-2; a quantity is not
      // ("a table for two" books two).
      const number = takeNumber(words, used, !isNumeric(node), isIdentifier(key) ? identifierAnchors(tool.name, key) : undefined);
      value = number === undefined ? undefined : isNumeric(node) ? Number(number) : number;
    } else if (typeOf(node) === "boolean") {
      value = words.some((w) => w === "yes" || w === "true") ? true : words.some((w) => w === "no" || w === "false") ? false : undefined;
    } else if (/lang/i.test(key) && findLanguage(words)) {
      value = findLanguage(words);
    } else if (required.has(key)) {
      const skip = new Set([...FILLER, ...splitName(tool.name), ...splitName(key)]);
      const rest = words.filter((w, i) => !used.has(i) && !skip.has(w));
      value = rest.length ? rest.join(" ") : freeText;
    }
    if (value !== undefined) args[key] = value;
    else if (required.has(key)) return { args, missing: { key, node } };
  }
  return { args };
}

function typeOf(node: SchemaNode | undefined): string | undefined {
  const type = node?.type ?? node?.anyOf?.find((n) => n.type !== "null")?.type;
  return Array.isArray(type) ? type.find((t) => t !== "null") : type;
}

const isNumeric = (node: SchemaNode): boolean => typeOf(node) === "integer" || typeOf(node) === "number";

/** Allowed values: `enum`, or `oneOf`/`anyOf` of `const`s (optionally titled). */
export function enumOf(node: SchemaNode | undefined): unknown[] {
  if (!node) return [];
  if (node.enum) return node.enum.filter((v) => v !== null);
  const alternatives = node.oneOf ?? node.anyOf ?? [];
  return alternatives.flatMap((alt) => (alt.const !== undefined ? [alt.const] : enumOf(alt)));
}

function matchEnum(values: unknown[], words: string[], used: Set<number>): unknown {
  const language = findLanguage(words);
  for (const value of values) {
    const valueWords = tokenize(String(value));
    if (looksLikeTag(String(value)) && language === baseTag(String(value))) return value;
    const at = words.findIndex((_, i) => valueWords.length > 0 && valueWords.every((w, j) => stem(words[i + j] ?? "") === stem(w)));
    if (at >= 0) {
      valueWords.forEach((_, j) => used.add(at + j));
      return value;
    }
  }
  return undefined;
}

/** The first run of digits or spoken numbers not yet used: "4 2", "four two", "forty two" → "42".
 *  With `alphanumeric`, a token like "a12" counts too (string ids). For an identifier, `anchors` are
 *  the words that name it ("order", "number"): a run right after one ("order number forty two", "my
 *  order is 42") is taken before an earlier stray number ("two… check my order number forty two",
 *  where a phone line's noise was heard as "two"), and its digits may be a recogniser's homophones. */
function takeNumber(words: string[], used: Set<number>, alphanumeric: boolean, anchors?: Set<string>): string | undefined {
  const homophones = anchors !== undefined;
  const anchored = (i: number): boolean =>
    anchors !== undefined && (anchors.has(stem(words[i - 1] ?? "")) || (CONNECTIVES.has(words[i - 1] ?? "") && anchors.has(stem(words[i - 2] ?? ""))));
  const starts = words.map((_, i) => i);
  for (const i of [...starts.filter(anchored), ...starts]) {
    let digits = "";
    let j = i;
    for (; j < words.length && !used.has(j); j++) {
      const word = words[j] ?? "";
      const digit = DIGITS[word] ?? (homophones ? homophoneDigit(word, words[j + 1]) : undefined);
      const tens = TENS_WORDS.indexOf(word);
      const unit = DIGITS[words[j + 1] ?? ""] ?? 0;
      if (/^\d+$/.test(word) || (alphanumeric && /\d/.test(word) && digits === "")) digits += word;
      else if (digit !== undefined && (word !== "oh" || digits !== "")) digits += String(digit);
      else if (TEEN_WORDS.includes(word)) digits += String(10 + TEEN_WORDS.indexOf(word));
      else if (tens >= 2) {
        digits += String(tens * 10 + unit); // "forty two" is one number, "forty" alone is 40
        if (unit > 0) j++;
      } else break;
    }
    if (digits) {
      for (let k = i; k < j; k++) used.add(k);
      return digits;
    }
  }
  return undefined;
}

/** The words that name an identifier parameter: its own ("order", "id"), its tool's distinctive
 *  ones ("order" in check_order), and the words people put before a number ("number", "no"). */
function identifierAnchors(toolName: string, key: string): Set<string> {
  const words = [...splitName(key), ...splitName(toolName).filter((w) => !GENERIC.has(w)), ...ID_WORDS];
  return new Set(words.map(stem));
}

// ---- Words -----------------------------------------------------------------------------------

const DIGITS: Partial<Record<string, number>> = { zero: 0, oh: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9 };
const TEEN_WORDS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
const TENS_WORDS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
/** Words a recogniser writes for a digit it heard ("for two" for flite's "forty two" or "four two"
 *  through a phone line). Read as the digit only in an identifier (an order number, not a number of
 *  guests) and only right before a digit, so "for" alone stays a word. */
const DIGIT_HOMOPHONES: Partial<Record<string, number>> = { for: 4, fore: 4, to: 2, too: 2, won: 1, ate: 8 };
function isDigitWord(word: string | undefined): boolean {
  if (word === undefined) return false;
  return DIGITS[word] !== undefined || /^\d$/.test(word);
}
function homophoneDigit(word: string, next: string | undefined): number | undefined {
  const digit = DIGIT_HOMOPHONES[word];
  return digit !== undefined && isDigitWord(next) ? digit : undefined;
}
/** Parameter names that hold an identifier ("orderId", "phone_number"), filled from a spoken number
 *  even when typed as a string. */
const ID_WORDS = ["id", "number", "no", "num", "code", "ref", "reference"];
export const isIdentifier = (key: string): boolean => ID_WORDS.includes(lastWord(key));
/** Words between an identifier's name and its number: "order is 42", "order was 42", "order's 42". */
const CONNECTIVES = new Set(["is", "was", "s"]);
/** Verbs too common in tool names to identify one ("get", "check"…). */
export const GENERIC = new Set(["get", "check", "find", "look", "lookup", "search", "create", "update", "delete", "set", "send", "make", "list", "fetch", "request", "run", "call", "info", "status", "the", "for", "and"]);
/** Words that are never the value of a free-text argument. */
const FILLER = new Set(["i", "me", "my", "we", "you", "a", "an", "the", "to", "for", "of", "on", "in", "at", "is", "it", "s", "d", "ll", "m", "please", "can", "could", "would", "want", "like", "need", "about", "with", "and", "what", "whats", "hi", "hello", "hey", "um", "uh", "so", "just", "some", "this", "that", "be"]);

const LANGUAGES: [string, string[]][] = [
  ["en", ["english"]], ["es", ["spanish", "espanol", "español", "castellano"]], ["fr", ["french", "francais", "français"]],
  ["de", ["german", "deutsch"]], ["it", ["italian", "italiano"]], ["pt", ["portuguese", "portugues", "português"]],
  ["nl", ["dutch", "nederlands"]], ["pl", ["polish", "polski"]], ["ru", ["russian"]], ["uk", ["ukrainian"]],
  ["tr", ["turkish"]], ["sv", ["swedish"]], ["ar", ["arabic"]], ["hi", ["hindi"]], ["ja", ["japanese"]],
  ["zh", ["chinese", "mandarin"]], ["ko", ["korean"]],
];

export const findLanguage = (words: string[]): string | undefined => LANGUAGES.find(([, names]) => names.some((n) => words.includes(n)))?.[0];

export function languageName(tag: string): string {
  const names = LANGUAGES.find(([base]) => base === baseTag(tag))?.[1];
  return names ? capitalize(names[0] ?? tag) : tag;
}

export const baseTag = (tag: string): string => tag.toLowerCase().split(/[-_]/)[0] ?? tag;
export const looksLikeTag = (value: string): boolean => /^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(value);

/** Lowercase words; apostrophes split ("that's" → "that s") so contractions never glue to ids. */
export const tokenize = (text: string): string[] => text.toLowerCase().normalize("NFC").split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/** "check_order" / "orderId" → ["check", "order"] / ["order", "id"]. */
export const splitName = (name: string): string[] => tokenize(name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " "));
export const phrase = (name: string): string => splitName(name).join(" ");
export const lastWord = (name: string): string => splitName(name).at(-1) ?? name;

/** Crude plural folding so "orders" names "check_order". */
export const stem = (word: string): string => (word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word);
export const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
