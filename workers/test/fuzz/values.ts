// The bad input the fuzz test sends, as fast-check arbitraries: text Postgres cannot store (NUL,
// unpaired surrogates), numbers beyond int4 and floats where integers go, overlong strings, wrong
// types, hostile keys, deep JSON, malformed path segments and query strings, broken bodies.
import fc from "fast-check";
import { getAt, jsonPaths, unknownId, type Schema } from "./document.ts";

export type JsonPath = (string | number)[];

export type FuzzCase =
  | { kind: "path"; name: string; segment: string }
  | { kind: "query"; name: string; values: string[] }
  | { kind: "replace"; at: JsonPath; value: unknown }
  | { kind: "remove"; at: JsonPath }
  | { kind: "addKey"; at: JsonPath; key: string; value: unknown }
  | { kind: "rawBody"; body: string; contentType: string | null }
  | { kind: "header"; name: string; value: string };

/** Well-formed times Postgres cannot take: year 0, and a year 10000 once the offset is applied. */
export const dateTimeEdges = ["0000-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"];
export const dateEdges = ["0000-01-01", "9999-12-31"];

/** The time edges for a value shaped like a date or a date-time, else none. */
export function timeEdgesLike(value: string): string[] {
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return dateTimeEdges;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return dateEdges;
  return [];
}

export const int4Edges = [2147483647, 2147483648, -2147483648, -2147483649, 4294967296, 9007199254740991, 9007199254740993, 1e21, -1, 0];

/** Nested arrays and objects, `depth` levels deep. */
export function nested(depth: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

/** An object with one own member named `key` (also `__proto__`, which a literal would not create). */
export function withKey(key: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true });
  return out;
}

const nulText = fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}\u0000${b}`);
const unpairedSurrogate = fc.constantFrom("\uD800", "x\uDFFFy", "\uDBFF\uDBFF", "a\uD83D");
const overlong = fc.constantFrom(201, 2_001, 20_001, 70_000).map((n) => "é".repeat(n));
const int4Edge = fc.constantFrom(...int4Edges);
const float = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0.5, -0.5, 1e-300, 1.7976931348623157e308));
const wrongType = fc.constantFrom<unknown>(null, true, false, [], {}, "", "1", "true", [[]], { a: null }, [null]);
const hostileKey = fc.constantFrom("\u0000", "a\u0000", "__proto__", "constructor", "prototype", "", " ", "k".repeat(300), "\uD800", "$ref", "toString");
const scalar = fc.oneof(nulText, int4Edge, wrongType, fc.string({ unit: "binary", maxLength: 20 }));
const deepJson = fc.integer({ min: 30, max: 3_000 }).map(nested);

/** A JSON value that should not pass wherever it goes. */
export const badValue: fc.Arbitrary<unknown> = fc.oneof(
  nulText,
  unpairedSurrogate,
  overlong,
  int4Edge,
  float,
  wrongType,
  deepJson,
  fc.tuple(hostileKey, scalar).map(([k, v]) => withKey(k, v)),
  fc.array(scalar, { minLength: 1_000, maxLength: 1_200 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: "binary", maxLength: 40 }),
);

/** The old value made bad in place: NUL or a lone surrogate inside it, far too long, out of range. */
function corrupt(old: unknown): fc.Arbitrary<unknown> {
  if (typeof old === "string") {
    return fc.oneof(
      ...timeEdgesLike(old).map((edge) => fc.constant(edge)),
      fc.nat({ max: old.length }).map((i) => `${old.slice(0, i)}\u0000${old.slice(i)}`),
      fc.constant(`${old}\uD800`),
      fc.constant(old.repeat(Math.ceil(70_000 / Math.max(1, old.length)))),
      fc.constant(` ${old} `.toUpperCase()),
    );
  }
  if (typeof old === "number") return fc.constantFrom(old + 0.5, -old - 1, old * 1e10, old + 2147483648);
  return badValue;
}

/** Strings of the schema's own shape: random matches of its pattern, and exactly its longest. */
export function shapedStrings(schema: Schema | undefined): fc.Arbitrary<string>[] {
  const out: fc.Arbitrary<string>[] = [];
  if (typeof schema?.["pattern"] === "string") {
    try {
      out.push(fc.stringMatching(new RegExp(schema["pattern"])));
    } catch {
      // a pattern fast-check cannot generate from: the other values still apply
    }
  }
  if (typeof schema?.["maxLength"] === "number") out.push(fc.constantFrom("x", "é", "😀").map((ch) => ch.repeat(Math.ceil((schema["maxLength"] as number) / ch.length))));
  return out;
}

/** Body cases around a valid baseline body: replace, remove or add at any place in it. */
export function bodyCase(baseline: unknown, schemaOf: (at: JsonPath) => Schema | undefined = () => undefined): fc.Arbitrary<FuzzCase> {
  const paths = jsonPaths(baseline);
  const objects = paths.filter((p) => {
    const v = getAt(baseline, p);
    return typeof v === "object" && v !== null && !Array.isArray(v);
  });
  const place = fc.constantFrom(...paths);
  const cases: fc.Arbitrary<FuzzCase>[] = [
    place.chain((at) => fc.oneof(badValue, corrupt(getAt(baseline, at)), ...shapedStrings(schemaOf(at))).map((value): FuzzCase => ({ kind: "replace", at, value }))),
  ];
  const members = paths.filter((p) => p.length > 0 && typeof p[p.length - 1] === "string");
  if (members.length > 0) cases.push(fc.constantFrom(...members).map((at): FuzzCase => ({ kind: "remove", at })));
  if (objects.length > 0) {
    cases.push(fc.tuple(fc.constantFrom(...objects), fc.oneof(hostileKey, fc.string({ maxLength: 10 })), badValue).map(([at, key, value]): FuzzCase => ({ kind: "addKey", at, key, value })));
  }
  return fc.oneof(...cases);
}

/** Percent-encodes any string, unpaired surrogates included (as WTF-8, which no decoder accepts). */
export function encodeSegment(raw: string): string {
  return Array.from(raw, (ch) => {
    try {
      return encodeURIComponent(ch);
    } catch {
      return "%ED%A0%80";
    }
  }).join("");
}

// Already percent-encoded: what a hand-typed or hostile URL can hold.
const rawSegments = [
  "%00", "x%00", "2147483648", "-1", "0", "1.5", "1e3", "0x10", "NaN", "Infinity", "99999999999999999999",
  "%F0%28%8C%28", "%", "%zz", "%2e%2e", "..", "a%2Fb", "%20", "null", "%C0%AE", "%ED%A0%80", "a".repeat(3_000),
  ...dateTimeEdges.map(encodeURIComponent), ...dateEdges,
];

/** A bad path segment or query value (percent-encoded), including near-misses of a seeded id. */
export function badSegment(seeded: string | undefined, schema?: Schema): fc.Arbitrary<string> {
  const near: string[] = [];
  if (seeded) {
    const prefix = seeded.slice(0, 3);
    near.push(`${seeded}%00`, seeded.toUpperCase(), seeded.slice(0, -1), `${seeded}0`, unknownId(prefix), unknownId(prefix === "agt" ? "tol" : "agt"), `${seeded}%2F..`);
  }
  return fc.oneof(
    fc.constantFrom(...rawSegments),
    ...(near.length > 0 ? [fc.constantFrom(...near)] : []),
    ...shapedStrings(schema).map((arb) => arb.map(encodeSegment)),
    fc.oneof(nulText, unpairedSurrogate, fc.string({ unit: "binary", minLength: 1, maxLength: 30 })).map(encodeSegment),
    int4Edge.map(String),
    float.map(String),
  );
}

// Bodies that are not the JSON object an operation takes, with the content types clients get wrong.
const rawBodies = ["", "{", "nul\u0000", "[]", "null", '"text"', "1", '{"__proto__":{"polluted":true}}', "\uFEFF{}", '{"a":1}{"b":2}', "[".repeat(50_000) + "]".repeat(50_000)];
const contentTypes = ["application/json", "text/plain", null, "application/json; charset=latin1", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"];

export const rawBodyCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(fc.constantFrom(...rawBodies), fc.constantFrom(...contentTypes))
  .map(([body, contentType]): FuzzCase => ({ kind: "rawBody", body, contentType }));

export const ifMatchCase: fc.Arbitrary<FuzzCase> = fc
  .constantFrom('"2147483648"', 'W/"99999999999999999999"', '"-1"', '"1.5"', '"abc"', '"', "*, *", "W/", '"0"', " ".repeat(10))
  .map((value): FuzzCase => ({ kind: "header", name: "if-match", value }));

/** A readable form of a case for a failure report: long strings cut, NUL and surrogates escaped. */
export function describeCase(c: FuzzCase): string {
  return JSON.stringify(c, (_k, v: unknown) => (typeof v === "string" && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : v)).slice(0, 600);
}
