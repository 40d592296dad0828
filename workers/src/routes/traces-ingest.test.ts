import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { signSessionToken } from "@speaknode/tokens";
import { spans } from "@speaknode/db";
import { createApp } from "../app.ts";
import { call, expectProblem, mintToken, testEnv, withDb, type CallResult } from "../../test/helpers.ts";
import { serviceToken } from "../runtime/testing.ts";
import { SpansMessage } from "@speaknode/contracts";
import { hex, otlpRequest, otlpSpan, realisticSpan, recordingQueue, type RecordingQueue } from "../telemetry/testing.ts";
import { traceBodyMaxBytes } from "./traces-ingest.ts";

const app = createApp();
const sessionId = "ses_01jqz8k3m4n5p6q7r8s9t0v1w2";

/** POST /v1/traces against the app with a recording queue in place of the real binding. */
async function post(opts: { body?: BodyInit; json?: unknown; token?: string | null; contentType?: string; headers?: Record<string, string>; queue?: RecordingQueue }): Promise<CallResult & { queue: RecordingQueue }> {
  const queue = opts.queue ?? recordingQueue();
  const token = opts.token === undefined ? await serviceToken() : opts.token;
  const headers: Record<string, string> = { "content-type": opts.contentType ?? "application/json", ...opts.headers };
  if (token) headers["authorization"] = `Bearer ${token}`;
  const body = opts.json !== undefined ? JSON.stringify(opts.json) : (opts.body ?? null);
  const res = await app.request("/v1/traces", { method: "POST", headers, body }, { ...env, TELEMETRY_QUEUE: queue.queue });
  const text = await res.text();
  let parsed: CallResult["body"] = {};
  try {
    parsed = JSON.parse(text) as CallResult["body"];
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed, text, queue };
}

const queuedSpans = (q: RecordingQueue) => q.sent.flatMap((m) => (m.body.type === "spans" ? m.body.groups.flatMap((g) => g.spans) : []));

describe("POST /v1/traces", () => {
  it("accepts OTLP JSON, queues the spans normalized, and answers with the OTLP success body", async () => {
    const traceId = hex(16);
    const res = await post({ json: otlpRequest([otlpSpan({ traceId, sessionId }), otlpSpan({ traceId, name: "tts_request" })]) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.body).toEqual({ partialSuccess: {} });
    expect(res.queue.sent).toHaveLength(1);
    const [message] = res.queue.sent;
    expect(message?.contentType).toBe("json");
    expect(SpansMessage.parse(message?.body)).toMatchObject({ protocolVersion: 1, type: "spans" });
    expect(queuedSpans(res.queue).map((s) => [s.traceId, s.sessionId, s.name])).toEqual([
      [traceId, sessionId, "llm_request"],
      [traceId, null, "tts_request"],
    ]);
  });

  it("splits a large export into several messages sent in batches", async () => {
    const traceId = hex(16);
    const res = await post({ json: otlpRequest(Array.from({ length: 1200 }, (_, i) => realisticSpan(sessionId, traceId, i))) });
    expect(res.status).toBe(200);
    expect(res.queue.sent.length).toBeGreaterThan(1);
    expect(res.queue.calls).toBeGreaterThan(1);
    expect(queuedSpans(res.queue)).toHaveLength(1200);
  });

  it("answers an empty export without queueing anything", async () => {
    for (const json of [{}, { resourceSpans: [] }, otlpRequest([])]) {
      const res = await post({ json });
      expect(res.status).toBe(200);
      expect(res.queue.calls).toBe(0);
    }
  });

  it("refuses bad payloads with problem+json and field errors, queueing nothing", async () => {
    const cases: [string, { body?: string; json?: unknown }, string, string | undefined][] = [
      ["not JSON", { body: "{not json" }, "malformed_request", undefined],
      ["an array", { json: [] }, "validation_failed", "body"],
      ["resourceSpans not a list", { json: { resourceSpans: {} } }, "validation_failed", "body.resourceSpans"],
      ["a bad trace id", { json: otlpRequest([{ ...otlpSpan(), traceId: "xyz" }]) }, "validation_failed", "body.resourceSpans.0.scopeSpans.0.spans.0.traceId"],
      ["an all-zero span id", { json: otlpRequest([{ ...otlpSpan(), spanId: "0000000000000000" }]) }, "validation_failed", "body.resourceSpans.0.scopeSpans.0.spans.0.spanId"],
      ["a short parent id", { json: otlpRequest([{ ...otlpSpan(), parentSpanId: "abc" }]) }, "validation_failed", "body.resourceSpans.0.scopeSpans.0.spans.0.parentSpanId"],
      ["a time that is not a number", { json: otlpRequest([{ ...otlpSpan(), startTimeUnixNano: "yesterday" }]) }, "validation_failed", "body.resourceSpans.0.scopeSpans.0.spans.0.startTimeUnixNano"],
      ["a time beyond int64", { json: otlpRequest([{ ...otlpSpan(), endTimeUnixNano: "9999999999999999999" }]) }, "validation_failed", "body.resourceSpans.0.scopeSpans.0.spans.0.endTimeUnixNano"],
      ["a span without a name", { json: otlpRequest([{ ...otlpSpan(), name: undefined }]) }, "validation_failed", "body.resourceSpans.0.scopeSpans.0.spans.0.name"],
      ["an attribute without a key", { json: otlpRequest([{ ...otlpSpan(), attributes: [{ value: { stringValue: "x" } }] }]) }, "validation_failed", "body.resourceSpans.0.scopeSpans.0.spans.0.attributes.0.key"],
      ["a mistyped attribute value", { json: otlpRequest([{ ...otlpSpan(), attributes: [{ key: "k", value: { arrayValue: { values: [{ intValue: "1.5" }] } } }] }]) }, "validation_failed", "body.resourceSpans.0.scopeSpans.0.spans.0.attributes.0.value.arrayValue.values.0.intValue"],
    ];
    for (const [what, input, code, field] of cases) {
      const res = await post(input);
      try {
        expectProblem(res, 400, code);
        if (field) expect((res.body["errors"] as { field: string }[]).map((e) => e.field)).toContain(field);
        expect(res.queue.calls).toBe(0);
      } catch (err) {
        throw new Error(`${what}: ${(err as Error).message}`);
      }
    }
  });

  it("describes a body full of errors with a bounded list", async () => {
    const res = await post({ json: otlpRequest(Array.from({ length: 300 }, () => ({ ...otlpSpan(), traceId: "bad" }))) });
    expectProblem(res, 400, "validation_failed");
    expect((res.body["errors"] as unknown[]).length).toBe(50);
    expect(String(res.body["detail"])).toContain("300 problems");
  });

  it("refuses a body over the limit with 413, unread", async () => {
    const huge = `{"resourceSpans":[],"pad":"${"x".repeat(traceBodyMaxBytes)}"}`;
    const res = await post({ body: huge });
    expectProblem(res, 413, "payload_too_large");
    expect(res.queue.calls).toBe(0);
  });

  it("refuses protobuf and other media types with 415 naming JSON", async () => {
    const protobuf = await post({ body: new Uint8Array([10, 0]) as unknown as BodyInit, contentType: "application/x-protobuf" });
    expectProblem(protobuf, 415, "unsupported_media_type");
    expect(String(protobuf.body["detail"])).toContain("application/json");
    expectProblem(await post({ body: "{}", contentType: "text/plain" }), 415, "unsupported_media_type");
    expectProblem(await post({ json: {}, headers: { "content-encoding": "gzip" } }), 415, "unsupported_media_type");
  });

  it("admits only the runtime's service token", async () => {
    const mediaToken = await signSessionToken(testEnv.RUNTIME_TOKEN_SECRET, { sessionId, agentId: "agt_01jqz8k3m4n5p6q7r8s9t0v1w2", scope: "media", ttlS: 60, role: "runtime" });
    const refused: [string, string | null, string][] = [
      ["no token", null, "unauthorized"],
      ["garbage", "not-a-jwt", "unauthorized"],
      ["another secret", await serviceToken({ secret: "some-other-secret-of-at-least-32-chars" }), "unauthorized"],
      ["an expired service token", await serviceToken({ ttlS: -120 }), "token_expired"],
      ["a media token", mediaToken, "unauthorized"],
      ["a user's access token", await mintToken(), "unauthorized"],
      ["a space API key", "sk_live_0123456789abcdef0123456789abcdef", "unauthorized"],
    ];
    for (const [what, token, code] of refused) {
      const res = await post({ json: otlpRequest([otlpSpan()]), token });
      try {
        expectProblem(res, 401, code);
        expect(res.headers.get("www-authenticate")).toContain("Bearer");
        expect(res.queue.calls).toBe(0);
      } catch (err) {
        throw new Error(`${what}: ${(err as Error).message}`);
      }
    }
  });

  it("keeps a token narrowed to one session to that session's spans", async () => {
    const other = "ses_01jqz8k3m4n5p6q7r8s9t0v1w3";
    const res = await post({ json: otlpRequest([otlpSpan({ sessionId }), otlpSpan({ sessionId: other })]), token: await serviceToken({ sessionId }) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ partialSuccess: { rejectedSpans: 1, errorMessage: "the service token is for another session" } });
    expect(queuedSpans(res.queue).map((s) => s.sessionId)).toEqual([sessionId]);
  });

  it("answers 503 when the queue does not take the spans", async () => {
    const res = await post({ json: otlpRequest([otlpSpan()]), queue: recordingQueue({ fail: true }) });
    expectProblem(res, 503, "upstream_unavailable");
    expect(res.headers.get("retry-after")).toBe("5");
  });

  it("is documented with the service-token scheme", async () => {
    const doc = await call("GET", "/openapi.json");
    const paths = doc.body["paths"] as Record<string, Record<string, { security?: unknown }>>;
    expect(paths["/v1/traces"]?.["post"]?.security).toEqual([{ runtimeService: [] }]);
    const schemas = (doc.body["components"] as { schemas: Record<string, unknown> }).schemas;
    // every schema the OTLP body refers to is in the document
    for (const ref of doc.text.matchAll(/"#\/components\/schemas\/(Otlp[A-Za-z]+)"/g)) expect(schemas[ref[1] ?? ""], ref[1]).toBeDefined();
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(["ExportTraceServiceRequest", "OtlpAnyValue", "OtlpKeyValue", "OtlpAttributes"]));
  });

  it("gets spans into Postgres through the real queue and its consumer", async () => {
    const traceId = hex(16);
    const res = await call("POST", "/v1/traces", { token: await serviceToken(), json: otlpRequest([otlpSpan({ traceId }), otlpSpan({ traceId })]) });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 15_000;
    let stored = 0;
    while (Date.now() < deadline) {
      stored = (await withDb((db) => db.select({ spanId: spans.spanId }).from(spans).where(eq(spans.traceId, traceId)))).length;
      if (stored === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(stored).toBe(2);
  });
});
