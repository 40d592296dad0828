// A contact's time zone: the file's value when it names a zone, else the zone of the number's
// country when that country has exactly one, else null (the campaign's default zone applies).
// Both answers are cached: a 100k-row file has a handful of distinct zones and countries.
import { getCountry } from "countries-and-timezones";

export class TimeZones {
  readonly #names = new Map<string, string | null>();
  readonly #countries = new Map<string, string | null>();

  /** The canonical IANA name of `raw` ("europe/paris" → "Europe/Paris"), or null when Intl does not know it. */
  zone(raw: string): string | null {
    let known = this.#names.get(raw);
    if (known === undefined) {
      known = canonical(raw);
      this.#names.set(raw, known);
    }
    return known;
  }

  /** The one zone of an ISO country, or null when it has several (or is unknown). */
  ofCountry(country: string | null): string | null {
    if (country === null) return null;
    let known = this.#countries.get(country);
    if (known === undefined) {
      const zones = getCountry(country)?.timezones ?? [];
      known = zones.length === 1 ? (zones[0] ?? null) : null;
      this.#countries.set(country, known);
    }
    return known;
  }
}

function canonical(raw: string): string | null {
  // Offsets ("+02:00") are zones to Intl but have no DST rules a calling window could follow.
  if (raw.length === 0 || raw.length > 64 || !/^[A-Za-z]/.test(raw)) return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
