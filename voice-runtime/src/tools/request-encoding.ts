// How a webhook tool's arguments are written into a request, as OpenAPI 3 parameter styles say
// (OpenAPI 3.1 §4.8.12.4, the style values built on RFC 6570): path segments (simple, label,
// matrix), query strings and application/x-www-form-urlencoded bodies (form, spaceDelimited,
// pipeDelimited, deepObject). Pure functions: every string returned is already percent-encoded.
//
// Choices the specification leaves open, made the way Stripe, Twilio and Rails-style servers parse:
// - deepObject keys keep their brackets literal (`metadata[plan]=pro`, `a[b][c]=v`); arrays inside a
//   deepObject (and a deepObject array) are indexed: `expand[0]=x&expand[1]=y`.
// - A form body argument holding an object (or objects in an array), with no style given, is written
//   as a deepObject: form + explode would spread its properties over the top level or send JSON,
//   which no form-taking API we know expects (the importer records the same choice).
// - Values nested where a style cannot express them (an object inside a form array) are sent as JSON.
// - null and undefined values are left out; booleans are `true`/`false`; numbers as JSON writes them.
// - Percent-encoding keeps RFC 3986's unreserved characters; a space is `%20` in a query and `+` in a
//   form body. With allowReserved the reserved characters stay literal too, except the ones that would
//   change the request's structure (`#`, `&`, `=`, `+`, `[`, `]`), which OpenAPI 3.1.1 also says to encode.
import type { ParameterStyle } from "@speaknode/contracts";

export type PairTarget = "query" | "form";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isUnreserved = (ch: string): boolean => /^[A-Za-z0-9\-._~]$/.test(ch);
// RFC 3986 reserved minus those that would split a pair, start a fragment or mean a space in a form body.
const keptWhenReserved = new Set([":", "/", "?", "@", "!", "$", "'", "(", ")", "*", ",", ";"]);
const utf8 = new TextEncoder();

interface EncodeOptions {
  space: "%20" | "+";
  allowReserved?: boolean;
  /** Keeps `[` and `]` literal: parameter names such as `page[size]` and deepObject keys. */
  keepBrackets?: boolean;
}

/** Percent-encodes one value or key: unreserved characters kept, every other byte of its UTF-8 as %XX. */
export function percentEncode(text: string, options: EncodeOptions): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(code);
    if (code > 0xffff) i++;
    if (isUnreserved(ch)) out += ch;
    else if (ch === " ") out += options.space;
    else if (options.keepBrackets === true && (ch === "[" || ch === "]")) out += ch;
    else if (options.allowReserved === true && keptWhenReserved.has(ch)) out += ch;
    // allowReserved lets percent-encoded triples through as they are (reserved expansion).
    else if (options.allowReserved === true && ch === "%" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) out += ch;
    else for (const byte of utf8.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The text of a value a style writes as one item; null/undefined have none. */
function itemText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The items of an array or the key/value entries of an object, without null or undefined values. */
function items(value: unknown[]): string[] {
  return value.map(itemText).filter((t): t is string => t !== undefined);
}
function entries(value: Record<string, unknown>): [string, string][] {
  return Object.entries(value).flatMap(([k, v]) => {
    const text = itemText(v);
    return text === undefined ? [] : [[k, text] as [string, string]];
  });
}

// ---- Path ------------------------------------------------------------------------------------

/**
 * One path parameter as a style writes it (simple by default, not exploded): `a,b`, `.a.b`,
 * `;id=a;id=b`. Undefined when there is nothing to write (null, an empty array or object), so the
 * URL renderer reports the parameter as missing instead of addressing another resource.
 */
export function serializePath(name: string, value: unknown, style?: ParameterStyle): string | undefined {
  const kind = style?.style ?? "simple";
  const explode = style?.explode ?? false;
  const enc = (t: string): string => percentEncode(t, { space: "%20" });
  const encName = enc(name);
  let parts: string[];
  let keyed = false;
  if (Array.isArray(value)) parts = items(value).map(enc);
  else if (isRecord(value)) {
    const pairs = entries(value);
    keyed = explode;
    parts = explode ? pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`) : pairs.flatMap(([k, v]) => [enc(k), enc(v)]);
  } else {
    const text = itemText(value);
    if (text === undefined || text === "") return undefined;
    if (kind === "label") return `.${enc(text)}`;
    if (kind === "matrix") return `;${encName}=${enc(text)}`;
    return enc(text);
  }
  if (parts.length === 0) return undefined;
  if (kind === "label") return `.${parts.join(explode ? "." : ",")}`;
  if (kind === "matrix") {
    if (keyed) return parts.map((p) => `;${p}`).join("");
    return explode && Array.isArray(value) ? parts.map((p) => `;${encName}=${p}`).join("") : `;${encName}=${parts.join(",")}`;
  }
  return parts.join(",");
}

// ---- Query and form body -----------------------------------------------------------------------

/** deepObject: `name[key]=v`, nested objects `name[a][b]=v`, arrays indexed `name[0]=v`. */
function deepPairs(key: string, value: unknown, encKey: (t: string) => string, encValue: (t: string) => string, out: string[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) value.forEach((item, i) => deepPairs(`${key}[${i}]`, item, encKey, encValue, out));
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) deepPairs(`${key}[${encKey(k)}]`, v, encKey, encValue, out);
  else out.push(`${key}=${encValue(itemText(value) ?? "")}`);
}

/**
 * One argument as `key=value` pairs for a query string or a form body, already encoded (join them
 * with `&`). Without a style: form, exploded (form-body objects: deepObject, see above).
 */
export function serializePairs(name: string, value: unknown, target: PairTarget, style?: ParameterStyle): string[] {
  if (value === null || value === undefined) return [];
  const space = target === "form" ? "+" : "%20";
  const allowReserved = style?.allowReserved ?? false;
  const encValue = (t: string): string => percentEncode(t, { space, allowReserved });
  // Keys are names from the tool or the data, never reserved-expanded; brackets stay for `page[size]`.
  const encKey = (t: string): string => percentEncode(t, { space });
  const encName = percentEncode(name, { space, keepBrackets: true });
  const holdsObjects = isRecord(value) || (Array.isArray(value) && value.some(isRecord));
  const kind = style?.style ?? (target === "form" && holdsObjects ? "deepObject" : "form");
  const explode = style?.explode ?? true;

  if (kind === "deepObject") {
    const out: string[] = [];
    deepPairs(encName, value, encKey, encValue, out);
    return out;
  }
  if (Array.isArray(value)) {
    const texts = items(value);
    if (texts.length === 0) return [];
    if (explode) return texts.map((t) => `${encName}=${encValue(t)}`);
    const delimiter = kind === "spaceDelimited" ? "%20" : kind === "pipeDelimited" ? "|" : ",";
    return [`${encName}=${texts.map(encValue).join(delimiter)}`];
  }
  if (isRecord(value)) {
    const pairs = entries(value);
    if (pairs.length === 0) return [];
    if (explode) return pairs.map(([k, v]) => `${encKey(k)}=${encValue(v)}`);
    const delimiter = kind === "spaceDelimited" ? "%20" : kind === "pipeDelimited" ? "|" : ",";
    return [`${encName}=${pairs.flatMap(([k, v]) => [encKey(k), encValue(v)]).join(delimiter)}`];
  }
  return [`${encName}=${encValue(itemText(value) ?? "")}`];
}

/** The decoded name of an encoded `key=value` pair (`+` read as a space, as form decoding does). */
export function pairName(pair: string): string {
  const raw = pair.split("=", 1)[0] ?? "";
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return raw;
  }
}

// ---- Secrets -----------------------------------------------------------------------------------

export const redacted = "[redacted]";
/** Shorter secret values are not searched for in text: replacing every "abc" would mangle answers. */
const minRedactedLength = 6;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A function that takes secret values out of a text: each secret query parameter's value after
 * `name=` (however the value is written), and wherever the values themselves appear, as written or
 * percent-encoded (an API's error may quote the URL it was called with, or the key).
 */
export function secretRedactor(secretQuery: Record<string, string>, secretHeaders: Record<string, string>): (text: string) => string {
  const values = new Set<string>();
  const add = (v: string): void => {
    if (v.length < minRedactedLength) return;
    for (const form of [v, encodeURIComponent(v), percentEncode(v, { space: "%20" }), percentEncode(v, { space: "+" })]) values.add(form);
  };
  for (const value of Object.values(secretQuery)) add(value);
  for (const value of Object.values(secretHeaders)) {
    add(value);
    // `Bearer <token>`, `Basic <base64>`: the credential may be quoted without its scheme.
    const credential = /^[A-Za-z][\w-]*\s+(\S+)$/.exec(value.trim())?.[1];
    if (credential !== undefined) add(credential);
  }
  // Longest first, so a value containing another is replaced whole.
  const valueRe = values.size === 0 ? undefined : new RegExp([...values].sort((a, b) => b.length - a.length).map(escapeRegExp).join("|"), "g");
  const names = Object.keys(secretQuery).flatMap((n) => [...new Set([n, percentEncode(n, { space: "%20" }), percentEncode(n, { space: "%20", keepBrackets: true })])]);
  const pairRe = names.length === 0 ? undefined : new RegExp(`(?<![\\w.~%\\[\\]-])(${names.map(escapeRegExp).join("|")})=[^&#\\s"'<>]*`, "g");
  return (text) => {
    let out = text;
    if (pairRe !== undefined) out = out.replace(pairRe, `$1=${redacted}`);
    if (valueRe !== undefined) out = out.replace(valueRe, redacted);
    return out;
  };
}

/** Applies a text redactor to every string (keys included) of a JSON value. */
export function redactJson(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, redact));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactJson(v, redact)]));
  return value;
}
