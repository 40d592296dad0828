// The part of the phone-number policy that needs no numbering-plan metadata, for code that must
// stay small (the API contracts the dashboard loads first): E.164's shape, reading the usual
// spellings of a number with its country code into E.164, and masking. Whether a number can exist
// in its country (length rules per plan) is index.ts's job, checked where numbers are used.

/** `+` and 7 to 15 digits, the first not 0 (ITU-T E.164). */
export const e164Pattern = /^\+[1-9][0-9]{6,14}$/;

/**
 * `+1 (415) 555-0100`, `0044 20 7946 0958` or `+14155550100` as E.164; null when it is not a
 * number with its country code. Spaces, dots, dashes, slashes and brackets are formatting.
 */
export function normalizePhoneText(raw: string): string | null {
  const input = raw.trim();
  if (input.length === 0 || input.length > 40 || /[^0-9+().\-\s/]/.test(input)) return null;
  let compact = input.replace(/[().\-\s/]/g, "");
  if (compact.startsWith("00")) compact = `+${compact.slice(2)}`;
  return e164Pattern.test(compact) ? compact : null;
}

/** `+1415•••0100`: enough to tell numbers apart in a list, never enough to dial. */
export function maskPhoneNumber(e164: string): string {
  if (e164.length <= 7) return "•".repeat(e164.length);
  return `${e164.slice(0, 5)}${"•".repeat(e164.length - 9)}${e164.slice(-4)}`;
}
