// Schemas of what reaches Postgres build on the contracts' storable primitives: `text()` instead
// of `z.string()`, `urlText()` instead of `z.url()`, `jsonValue()` instead of `z.unknown()`,
// `Timestamp` / `IsoDay` instead of `z.iso.*`. The raw ones accept NUL, unpaired surrogates and
// year 0, which Postgres refuses with a 500; likewise a number parameter needs an upper bound.
// Checked by scripts/check-sources.ts, so a new schema in the contracts, the Worker or a Durable
// Object gets the rule without anyone remembering it.

/** Where schemas may reach Postgres. Tests and the Worker's env configuration are not input. */
const inScope = (path: string) =>
  /^(packages\/contracts\/src|workers\/src|durable-objects)\//.test(path) && !/\.test\.ts$/.test(path) && path !== "workers/src/config.ts";

/** The module that defines the primitives from the raw ones. */
const definitions = new Set(["packages/contracts/src/text.ts"]);

// `z.string(`, also split over lines (`z\n  .string()`); `any` is built from pieces so that this
// file does not trip the no-`any` rule of check-sources.ts.
const raw = new RegExp(`\\bz\\s*\\.\\s*(string|unknown|${"an" + "y"}|json|url|iso\\s*\\.\\s*\\w+)\\s*\\(`, "g");

const instead: Record<string, string> = { string: "text()", unknown: "jsonValue()", json: "jsonValue()", url: "urlText()", iso: "Timestamp or IsoDay" };

// A number read from a path or query string, with no upper bound on its line: it is compared
// with an int4 column, which refuses anything past 2147483647 with a 500.
const unboundedParam = /\bz\s*\.\s*coerce\s*\.\s*number\(\)(?![^\n]*\.max\()/g;

/** One line per raw zod string, URL, JSON or time schema outside the definitions, and per
 *  unbounded number parameter. */
export function rawTextSchemas(files: { path: string; text: string }[]): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    if (!inScope(path) || definitions.has(path)) continue;
    const lines = text.split("\n");
    for (const match of text.matchAll(raw)) {
      const lineNo = text.slice(0, match.index).split("\n").length;
      const line = lines[lineNo - 1] ?? "";
      // A format zod builds in (z.iso.date()) made storable on the spot is fine.
      if (/\.check\(storable(Text|Time)\)/.test(line)) continue;
      const kind = (match[1] ?? "").replace(/\s*\..*$/s, "");
      problems.push(`${path}:${lineNo} uses z.${match[1]?.replace(/\s+/g, "")}() (Postgres refuses NUL and unpaired surrogates): use ${instead[kind] ?? "jsonValue()"} from @speaknode/contracts: ${line.trim()}`);
    }
    for (const match of text.matchAll(unboundedParam)) {
      const lineNo = text.slice(0, match.index).split("\n").length;
      problems.push(`${path}:${lineNo} has a number parameter without .max(): bound it by its column (int4Max from @speaknode/contracts): ${(lines[lineNo - 1] ?? "").trim()}`);
    }
  }
  return problems;
}
