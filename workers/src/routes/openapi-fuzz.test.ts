// Every operation /openapi.json documents, fed bad input: NUL and unpaired surrogates, integers
// beyond int4, floats, overlong strings, wrong types, hostile keys, deep JSON, malformed path
// segments, query strings, bodies and If-Match headers. Each must answer 4xx problem+json (or 2xx
// where the input is in fact valid), never 5xx, and a refused request must leave every row of the
// seeded spaces as it was. Operations are read from the document, so a new route is fuzzed without
// anyone listing it; what a schema cannot say (which catalog model exists, a runtime event that
// fits the session's state) is in `examples`.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import { createDatabase } from "@speaknode/db";
import { call, call as callDirect, makeWorld, newUser, testEnv, type CallResult, type TestUser } from "../../test/helpers.ts";
import { callAtEdge, randomClientIp } from "../../test/edge.ts";
import { agentBody, toolBody } from "../../test/fixtures.ts";
import { serviceToken } from "../runtime/testing.ts";
import { connectAccount, importNumbers, stubTwilio } from "../telephony/connections-testing.ts";
import { listOperations, sample, jsonPaths, getAt, schemaAt, setAt, type Operation, type SampleContext } from "../../test/fuzz/document.ts";
import { badSegment, bodyCase, dateEdges, dateTimeEdges, describeCase, ifMatchCase, int4Edges, rawBodyCase, timeEdgesLike, withKey, type FuzzCase } from "../../test/fuzz/values.ts";
import { changedTables, fingerprintQuery, rowFingerprints, type RowScope } from "../../test/fuzz/rows.ts";

/** Fixed, so a failure reproduces; printed with every failure. */
const seed = 20_261_204;
/** Generated cases per baseline, on top of the systematic sweep of every place in it. */
const runsPerBaseline = 12;

/** Operations the test cannot drive, and why. Everything else in the document is fuzzed. None
 *  today: the live WebSockets and signed links are documented (lib/openapi-links.ts) and fuzzed
 *  like the rest (without an upgrade or a valid signature they answer 4xx); only the development
 *  tools under /dev are left out of the document. */
const notFuzzed: Record<string, string> = {};

/** Operations that take text Postgres cannot store and make it storable (U+FFFD) themselves. */
const sanitizes: Record<string, string> = {
  "POST /v1/traces": "one odd attribute must not cost a whole export: normalize.ts replaces what Postgres refuses",
};

const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

interface Example {
  body: unknown;
  /** Path parameters of its own, e.g. a session of its own for an event that ends the session. */
  path?: Record<string, string>;
}

/** Valid bodies the schemas alone cannot produce, by operation; several are fuzzed one after another. */
function examples(ids: Record<string, string>, eventSessions: string[]): Record<string, Example[]> {
  const turn = { type: "turn", turnId: "t1", role: "user", text: "Where is my order?", language: "en-US", startedAt: at(-2000), endedAt: at(-1000), metrics: { sttFinalMs: 120, voiceToVoiceMs: 900 } };
  const toolCall = { type: "tool.call", toolCallId: "call-1", name: "order_status", turnId: "t1", request: { orderId: 42, note: "gift" }, response: { status: "shipped", items: [{ sku: "a", qty: 1 }] }, status: "ok", latencyMs: 410, startedAt: at(-500) };
  const error = { type: "error", code: "tts_slow", stage: "tts", message: "first byte after 2 s", fatal: false };
  const completed = { type: "completed", tokenUsage: { prompt: 1200, completion: 85 }, durationMs: 4000, endReason: "token_limit" };
  const span = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", name: "llm", kind: 3, startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "1700000001000000000", attributes: [{ key: "speaknode.session.id", value: { stringValue: ids["ses"] } }, { key: "n", value: { intValue: "3" } }] };
  return {
    "POST /v1/spaces/{spaceId}/agents": [{ body: agentBody() }],
    "PATCH /v1/agents/{agentId}": [{ body: agentBody({ name: "Renamed agent" }) }],
    "POST /v1/spaces/{spaceId}/tools": [{ body: toolBody({ code: "fuzz_created" }) }],
    "PATCH /v1/tools/{toolId}": [{ body: toolBody({ code: "fuzz_patched" }) }],
    "POST /v1/spaces/{spaceId}/tools/import": [{ body: { source: { type: "document", document: { openapi: "3.0.0", info: { title: "Shop", version: "1" }, servers: [{ url: "https://shop.example.test" }], paths: { "/orders/{id}": { get: { operationId: "getOrder", parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }] } } } } }, confirm: false } }],
    // The provider's public endpoint: a made-up base URL fails the SSRF check before anything is stored.
    "POST /v1/spaces/{spaceId}/provider-credentials": [{ body: { provider: "deepgram", name: "Fuzz key", apiKey: "dg-key-0123456789" } }],
    "PATCH /v1/provider-credentials/{credentialId}": [{ body: { name: "Renamed key", apiKey: "dg-key-9876543210" } }],
    // Twilio is the in-memory fake (beforeAll): an account it knows, the seeded connection's token, a number not imported yet.
    "POST /v1/spaces/{spaceId}/telephony-connections": [{ body: { provider: "twilio", name: "Fuzz connection", accountSid: telephony.spare.accountSid, auth: { type: "auth_token", authToken: telephony.spare.authToken } } }],
    "PATCH /v1/telephony-connections/{connectionId}": [{ body: { name: "Renamed connection", auth: { type: "auth_token", authToken: telephony.authToken } } }],
    "POST /v1/spaces/{spaceId}/phone-numbers/import": [{ body: { connectionId: ids["tcn"], providerNumberIds: [telephony.spareNumberSid], agentId: ids["agt"] } }],
    "POST /v1/spaces/{spaceId}/invitations": [{ body: { email: "fuzz@example.com", role: "member" } }],
    // Disabled, under a name of its own: the catalog is shared with tests running meanwhile.
    "POST /v1/catalog": [{ body: { kind: "llm", provider: "openrouter", model: `fuzz/${crypto.randomUUID()}`, displayName: "Fuzz", enabled: false } }],
    // A model the catalog lacks: refused before the voice runtime (absent in these tests: 503) is asked.
    "POST /v1/spaces/{spaceId}/voices/preview": [{ body: { provider: "flite", model: "fuzz-model", voice: "rms", text: "Hello" } }],
    "POST /v1/agents/{agentId}/sessions": [{ body: { variables: { order_id: 42, customer_name: "Ada" }, channel: { type: "api", callerId: "+15550001234" } } }],
    "POST /v1/agents/{agentId}/test-sessions": [{ body: { variables: { order_id: 42, customer_name: "Ada" }, language: "en-US" } }],
    // A number no space has: the call is refused (404) before Twilio is ever asked.
    "POST /v1/agents/{agentId}/calls": [{ body: { to: "+14155550100", fromNumberId: "pnm_00000000000000000000000000", variables: { order_id: 42, customer_name: "Ada" } } }],
    // Windows and zones are patterns and refinements a schema sample does not meet.
    "POST /v1/spaces/{spaceId}/campaigns": [{ body: { name: "Fuzz campaign", agentId: ids["agt"], callerNumberIds: [ids["pnm"]], windows: [{ days: [1, 2, 3], start: "09:00", end: "17:30" }], defaultTimeZone: "Europe/Paris", contactMapping: { phoneColumn: "phone", variables: { customer_name: "name" } } } }],
    "PATCH /v1/campaigns/{campaignId}": [{ body: { name: "Renamed campaign", windows: [{ days: [6], start: "10:00", end: "24:00" }], maxConcurrentCalls: 3, retry: { busy: { attempts: 1, backoffS: 600 } } } }],
    "POST /public/agents/{agentId}/sessions": [{ body: { variables: { order_id: "42", customer_name: "Ada" }, visitorId: "visitor-1" } }],
    // Each on a session of its own: a valid mutation may end or fail the session it is sent to.
    "POST /runtime/v1/sessions/{sessionId}/events": [turn, toolCall, error, completed].map((event, i) => ({ body: { eventId: `fuzz-${i}`, event }, path: { sessionId: eventSessions[i] ?? "" } })),
    "POST /v1/traces": [{ body: { resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "voice-runtime" } }] }, scopeSpans: [{ scope: { name: "speaknode" }, spans: [span] }] }] } }],
    "POST /v1/admin/analytics/refresh": [{ body: { from: at(-86_400_000).slice(0, 10), to: at(0).slice(0, 10) } }],
    // Mappings are JSON pointers into a body and must name the agent's variables.
    "POST /v1/spaces/{spaceId}/webhooks/routes": [{ body: { name: `fuzz-${crypto.randomUUID().slice(0, 8)}`, verification: { method: "bearer" }, action: "dispatch", agentId: ids["agt"], mapping: { variables: { order_id: "/order/id", customer_name: "/contact/name" } } } }],
    "POST /v1/spaces/{spaceId}/webhooks/routes/preview": [{ body: { action: "dispatch", agentId: ids["agt"], mapping: { variables: { order_id: "/order/id", customer_name: "/contact/name" } }, sample: { order: { id: 42 }, contact: { name: "Ada" } } } }],
    "PATCH /v1/spaces/{spaceId}/webhooks/routes/{routeId}": [{ body: { description: "Renamed route", mapping: { variables: { customer_name: "/name" } } } }],
  };
}

// GETs first, then what the public and the runtime reach, then creates (whose new ids later
// operations use), other writes, and deletes last (deepest path first), so a valid delete does not
// take away what later operations fuzz.
function order(op: Operation): number {
  if (op.method === "GET") return 0;
  if (op.auth !== "bearer") return 1;
  if (op.method === "POST" && !op.path.endsWith("}")) return 1.5;
  if (op.method !== "DELETE") return 2;
  return 10 - op.path.split("/").length / 10;
}

interface Baseline {
  path: Record<string, string>;
  query: Record<string, string[]>;
  body: unknown;
}

interface Target {
  op: Operation;
  token: string | undefined;
}

let world: Awaited<ReturnType<typeof makeWorld>>;
let admin: TestUser;
let ctx: SampleContext;
let eventSessions: string[] = [];
let scope: RowScope;
let db: ReturnType<typeof createDatabase>;
let telephony = { authToken: "", spareNumberSid: "", spare: { accountSid: "", authToken: "" } };
let fingerprintSql: string;
const clientIp = randomClientIp();

beforeAll(async () => {
  world = await makeWorld();
  // An agent whose variables are all optional, published, with a session the runtime has joined.
  const agent = await call("POST", `/v1/spaces/${world.spaceId}/agents`, { token: world.owner.token, json: agentBody({ variables: { type: "object", properties: { customer_name: { type: "string" }, order_id: { type: "integer" } } } }) });
  const agentId = String(agent.body["id"]);
  await call("POST", `/v1/agents/${agentId}/publish`, { token: world.owner.token, json: {} });
  const sessions: string[] = [];
  for (let i = 0; i < 5; i++) {
    const session = await call("POST", `/v1/agents/${agentId}/sessions`, { token: world.owner.token, json: {} });
    const sessionId = String(session.body["sessionId"]);
    await call("POST", `/runtime/v1/sessions/${sessionId}/events`, { token: await serviceToken(), json: { eventId: "ready", event: { type: "agent.ready" } } });
    sessions.push(sessionId);
  }
  // Twilio is an in-memory fake for the whole run: valid requests reach it, never the network.
  const twilio = stubTwilio();
  const connected = await connectAccount(world, twilio, "Fuzz line");
  const [phoneNumberId = ""] = await importNumbers(world, connected.connectionId, [twilio.addNumber(connected.accountSid).sid]);
  telephony = { authToken: connected.authToken, spareNumberSid: twilio.addNumber(connected.accountSid).sid, spare: twilio.addAccount() };
  const [sessionId = "", ...others] = sessions;
  eventSessions = others;
  // A platform Admin, for what the Owner may not do, and a disabled catalog model of the test's own.
  admin = await newUser({ roles: ["platform-admin"] });
  const model = await call("POST", "/v1/catalog", { token: admin.token, json: { kind: "llm", provider: "openrouter", model: `fuzz/${crypto.randomUUID()}`, displayName: "Fuzz", enabled: false } });
  const doc = (await call("GET", "/openapi.json")).body as unknown as SampleContext["doc"];
  const ids: Record<string, string> = { spc: world.spaceId, agt: agentId, tol: world.toolId, ses: sessionId, usr: world.member.id, inv: world.invitationId, key: world.apiKeyId, mdl: String(model.body["id"]), tcn: connected.connectionId, pnm: phoneNumberId };
  ctx = { doc, ids };
  scope = { spaceIds: [world.spaceId, world.otherSpaceId], userIds: [world.owner.id, world.member.id, world.outsider.id, admin.id], modelIds: [String(model.body["id"])] };
  db = createDatabase({ url: testEnv.DATABASE_URL, localProxy: testEnv.DB_LOCAL_PROXY, max: 1 });
  fingerprintSql = await fingerprintQuery(db.db, scope);
}, 60_000);

afterAll(async () => {
  vi.unstubAllGlobals();
  await db?.close();
});

function baselines(op: Operation): Baseline[] {
  const path: Record<string, string> = {};
  const query: Record<string, string[]> = {};
  for (const p of op.params) {
    const value = String(sample(p.schema, ctx));
    if (p.in === "path") path[p.name] = value;
    else if (p.in === "query" && p.required) query[p.name] = [value];
  }
  const given = examples(ctx.ids, eventSessions)[op.key];
  if (given) return given.map((e) => ({ path: { ...path, ...e.path }, query, body: e.body }));
  const body = op.body === null ? undefined : op.body.contentType === "application/json" ? sample(op.body.schema, ctx) : "abc";
  return [{ path, query, body }];
}

async function send(target: Target, base: Baseline, c: FuzzCase | null): Promise<CallResult> {
  const { op } = target;
  const query = { ...base.query };
  let body = base.body;
  const headers: Record<string, string> = {};
  let raw: { body: string; contentType: string | null } | null = null;
  switch (c?.kind) {
    case "query":
      query[c.name] = c.values;
      break;
    case "replace":
      body = setAt(body, c.at, () => c.value);
      break;
    case "remove":
      body = setAt(body, c.at, () => undefined);
      break;
    case "addKey":
      body = setAt(body, c.at, (old) => Object.assign(withKey(c.key, c.value), old));
      break;
    case "rawBody":
      raw = c;
      break;
    case "header":
      headers[c.name] = c.value;
      break;
  }
  const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => (c?.kind === "path" && c.name === name ? c.segment : encodeURIComponent(base.path[name] ?? "")));
  const qs = Object.entries(query).flatMap(([k, values]) => values.map((v) => `${encodeURIComponent(k)}=${c?.kind === "query" && c.name === k ? v : encodeURIComponent(v)}`));
  const url = qs.length > 0 ? `${path}?${qs.join("&")}` : path;
  // Public operations go through the edge with an address of the test's own: in development every
  // client shares the loopback peer's rate-limit bucket, and other tests count on it.
  const call = op.auth === "none" ? callAtEdge : callDirect;
  if (op.auth === "none") headers["cf-connecting-ip"] = clientIp;
  if (raw) {
    if (raw.contentType) headers["content-type"] = raw.contentType;
    return call(op.method, url, { token: target.token, headers, body: new TextEncoder().encode(raw.body) });
  }
  if (op.body === null) return call(op.method, url, { token: target.token, headers });
  if (op.body.contentType !== "application/json") {
    return call(op.method, url, { token: target.token, headers: { "content-type": op.body.contentType, ...headers }, body: new TextEncoder().encode(String(body)) });
  }
  return call(op.method, url, { token: target.token, headers, json: body });
}

/** A string Postgres could not store put where the baseline had text: this must never be accepted. */
function insertsUnstorableText(base: Baseline, c: FuzzCase): boolean {
  if (c.kind !== "replace" || typeof c.value !== "string" || typeof getAt(base.body, c.at) !== "string") return false;
  return /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(c.value);
}

/** The detail of a request the route's schemas refused (app.ts's validation hook). */
const schemaRefusal = "the request did not pass validation";

let fingerprints: Record<string, string> = {};
let requests = 0;
/** How many answers of each status, for the summary line. */
const statuses = new Map<number, number>();

/** A created resource of a kind not seeded yet (a provider key) is what later operations get. */
function noteCreated(res: CallResult): void {
  const created = typeof res.body["id"] === "string" && res.status < 300 ? /^([a-z]{3})_/.exec(res.body["id"]) : null;
  if (created?.[1] && !(created[1] in ctx.ids)) ctx.ids[created[1]] = String(res.body["id"]);
}

/** Sends one case and throws, saying why, when the answer breaks the rules. */
async function check(target: Target, base: Baseline, c: FuzzCase): Promise<void> {
  const res = await send(target, base, c);
  requests++;
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  noteCreated(res);
  const after = await rowFingerprints(db.db, fingerprintSql);
  const changed = changedTables(fingerprints, after);
  fingerprints = after;
  const what = `${target.op.key} ${describeCase(c)} → ${res.status} ${res.text.slice(0, 300)}`;
  if (res.status >= 500) throw new Error(`server error: ${what}`);
  if (res.status >= 400) {
    if (!res.headers.get("content-type")?.startsWith("application/problem+json")) throw new Error(`error without problem+json: ${what}`);
    if (changed.length > 0) throw new Error(`refused but wrote to ${changed.join(", ")}: ${what}`);
  } else if (insertsUnstorableText(base, c) && !(target.op.key in sanitizes)) {
    throw new Error(`accepted text Postgres cannot store: ${what}`);
  }
}

/** Every place of the request, broken once in the way most likely to reach the database. */
function sweep(op: Operation, base: Baseline): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const p of op.params) {
    if (p.in === "path") for (const segment of ["%00", "2147483648", "-1", "1.5", `${base.path[p.name] ?? ""}%00`]) cases.push({ kind: "path", name: p.name, segment });
    if (p.in === "query") {
      const times = p.schema["format"] === "date-time" ? dateTimeEdges : p.schema["format"] === "date" ? dateEdges : [];
      for (const v of ["%00", "2147483648", "-1", "1.5", "%ED%A0%80", ...times.map(encodeURIComponent)]) cases.push({ kind: "query", name: p.name, values: [v] });
    }
  }
  if (op.body?.contentType === "application/json") {
    for (const place of jsonPaths(base.body)) {
      const old = getAt(base.body, place);
      if (typeof old === "string") {
        // Exactly as long as the schema allows: a column narrower than the schema fails here.
        const maxLength = schemaAt(op.body.schema, place, ctx.doc)?.["maxLength"];
        const longest = typeof maxLength === "number" && maxLength <= 100_000 ? ["x".repeat(maxLength)] : [];
        for (const value of [`${old}\u0000`, ...timeEdgesLike(old), ...longest]) cases.push({ kind: "replace", at: place, value });
      }
      else if (typeof old === "number") for (const value of [int4Edges[1], 0.5]) cases.push({ kind: "replace", at: place, value });
      else if (typeof old === "object" && old !== null && !Array.isArray(old)) cases.push({ kind: "addKey", at: place, key: "\u0000", value: "x" });
      else if (Array.isArray(old)) cases.push({ kind: "replace", at: place, value: [...old, "\u0000"] });
      // And the wrong kind of value, which code past the schema may not expect.
      cases.push({ kind: "replace", at: place, value: wrongKind(old) });
    }
  }
  return cases;
}

function wrongKind(value: unknown): unknown {
  if (Array.isArray(value)) return {};
  if (typeof value === "object" && value !== null) return [];
  if (typeof value === "string") return 1;
  if (typeof value === "number") return String(value);
  return null;
}

function caseArbitrary(op: Operation, base: Baseline): fc.Arbitrary<FuzzCase> {
  const arbs: fc.Arbitrary<FuzzCase>[] = [];
  for (const p of op.params) {
    if (p.in === "path") arbs.push(badSegment(base.path[p.name], p.schema).map((segment): FuzzCase => ({ kind: "path", name: p.name, segment })));
    if (p.in === "query") arbs.push(fc.array(badSegment(undefined, p.schema), { minLength: 1, maxLength: 3 }).map((values): FuzzCase => ({ kind: "query", name: p.name, values })));
  }
  arbs.push(badSegment(undefined).map((v): FuzzCase => ({ kind: "query", name: "fuzz", values: [v] })));
  if (op.body?.contentType === "application/json") {
    const schema = op.body.schema;
    const schemaOf = (at: (string | number)[]) => schemaAt(schema, at, ctx.doc);
    arbs.push(bodyCase(base.body, schemaOf), bodyCase(base.body, schemaOf), rawBodyCase);
  }
  if (op.method !== "GET") arbs.push(ifMatchCase);
  return fc.oneof(...arbs);
}

/** Fuzzes each operation with `token(op)`; returns the operations whose baseline was forbidden. */
async function fuzz(ops: Operation[], token: (op: Operation) => Promise<string | undefined>, failures: string[], badBaselines: string[]): Promise<Operation[]> {
  const forbidden: Operation[] = [];
  for (const op of ops) {
    const target: Target = { op, token: await token(op) };
    for (const base of baselines(op)) {
      for (const c of sweep(op, base)) {
        try {
          await check(target, base, c);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
      const verdict = await fc.check(fc.asyncProperty(caseArbitrary(op, base), (c) => check(target, base, c)), { seed, numRuns: runsPerBaseline, endOnFailure: true });
      if (verdict.failed) failures.push(`${verdict.errorInstance instanceof Error ? verdict.errorInstance.message : String(verdict.errorInstance)} (fast-check seed ${seed}, path ${verdict.counterexamplePath})`);
      // Last, as it may change state (end a session, delete a resource): the baseline itself must
      // get past validation, or breaking one place of it proved nothing.
      const res = await send(target, base, null);
      fingerprints = await rowFingerprints(db.db, fingerprintSql);
      // Only the schemas' verdict counts: a handler's (a duplicate name) is about state, not shape.
      if (res.status >= 500 || (res.body["code"] === "validation_failed" && res.body["detail"] === schemaRefusal)) badBaselines.push(`${op.key}: ${res.status} ${JSON.stringify(res.body["errors"] ?? res.body["detail"])}`);
      if (res.status === 403 && !forbidden.includes(op)) forbidden.push(op);
      noteCreated(res);
    }
  }
  return forbidden;
}

describe("every operation in /openapi.json, fed bad input", () => {
  it("answers 4xx problem+json or 2xx, never 5xx, and a refused request writes nothing", async () => {
    const ops = listOperations(ctx.doc).filter((op) => !(op.key in notFuzzed)).sort((a, b) => order(a) - order(b));
    expect(ops.length).toBeGreaterThan(40);
    const failures: string[] = [];
    const badBaselines: string[] = [];
    fingerprints = await rowFingerprints(db.db, fingerprintSql);
    const runtimeToken = await serviceToken({ ttlS: 600 });
    const forbidden = await fuzz(ops, async (op) => (op.auth === "bearer" ? world.owner.token : op.auth === "runtime" ? runtimeToken : undefined), failures, badBaselines);
    // What the Owner may not do (platform Admin operations) again as an Admin, past the role check.
    await fuzz(forbidden, async () => admin.token, failures, badBaselines);
    const answers = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(" ");
    console.log(`fuzzed ${ops.length} operations (${forbidden.length} again as platform Admin) with ${requests} requests (seed ${seed}); answers ${answers}; ids ${Object.keys(ctx.ids).join(",")}`);
    // Baselines the schema rejects need an entry in examples(): breaking one place proves nothing.
    expect({ badBaselines, failures }).toEqual({ badBaselines: [], failures: [] });
  }, 300_000);
});
