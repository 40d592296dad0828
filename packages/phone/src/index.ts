// The one policy for phone numbers (E.164 everywhere): parsing what people type or providers send,
// the country a number belongs to (outbound destination rules), and the masked form that is the
// only one allowed outside fields named `pii`. Backed by libphonenumber-js's compact metadata.
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/min";
import { e164Pattern } from "./light.ts";

export { e164Pattern, maskPhoneNumber, normalizePhoneText } from "./light.ts";

export type ParsedPhoneNumber = { ok: true; e164: string; country: string | null } | { ok: false; message: string };


/**
 * A number as E.164 (`+14155550100`). Accepts what people type (spaces, dashes, brackets, a
 * leading 00) when it carries its country code, or a national number with `defaultCountry`.
 * Refuses numbers that cannot exist (too short or long for their country); a number that is
 * merely unassigned passes, as providers' test numbers (+1555…) are.
 */
export function parsePhoneNumber(raw: string, defaultCountry?: string): ParsedPhoneNumber {
  const input = raw.trim().replace(/^00/, "+");
  if (input.length === 0) return { ok: false, message: "must not be empty" };
  if (input.length > 40 || /[^0-9+().\-\s/]/.test(input)) return { ok: false, message: "must be a phone number such as +14155550100" };
  const parsed = parsePhoneNumberFromString(input, defaultCountry ? { defaultCountry: defaultCountry.toUpperCase() as CountryCode } : undefined);
  if (!parsed || !parsed.isPossible()) return { ok: false, message: "must be a possible phone number in E.164 form, such as +14155550100" };
  const e164 = parsed.number;
  if (!e164Pattern.test(e164)) return { ok: false, message: "must be a phone number in E.164 form, such as +14155550100" };
  return { ok: true, e164, country: parsed.country ?? null };
}

/** True when `raw` is already exactly E.164 and a possible number. */
export function isE164(raw: string): boolean {
  if (!e164Pattern.test(raw)) return false;
  const parsed = parsePhoneNumber(raw);
  return parsed.ok && parsed.e164 === raw;
}

/** The ISO 3166-1 alpha-2 country of an E.164 number, or null when it cannot be told (shared codes). */
export function countryOf(e164: string): string | null {
  const parsed = parsePhoneNumber(e164);
  return parsed.ok ? parsed.country : null;
}

/**
 * Whether a destination may be called under a list of allowed countries (ISO alpha-2; empty =
 * none allowed). A number whose country cannot be told is refused unless every country is allowed
 * with "*".
 */
export function destinationAllowed(e164: string, allowedCountries: readonly string[]): boolean {
  if (allowedCountries.includes("*")) return true;
  const country = countryOf(e164);
  return country !== null && allowedCountries.some((c) => c.toUpperCase() === country);
}
