import { describe, expect, it } from "vitest";
import { SessionTrace } from "@speaknode/contracts";
import { call, expectProblem, withDb } from "../../test/helpers.ts";
import { dispatched } from "../runtime/testing.ts";
import { normalizeRequest } from "../telemetry/normalize.ts";
import { ExportTraceServiceRequest } from "../telemetry/otlp.ts";
import { insertSpans } from "../telemetry/store.ts";
import { hex, otlpRequest, otlpSpan } from "../telemetry/testing.ts";
import { maxTraceSpans } from "./session-trace.ts";

const store = (otlpSpans: Record<string, unknown>[]) => withDb((db) => insertSpans(db, normalizeRequest(ExportTraceServiceRequest.parse(otlpRequest(otlpSpans))).groups));

describe("GET /v1/sessions/{id}/trace", () => {
  it("returns the session's spans in start order, for the dashboard's waterfall", async () => {
    const { world: w, sessionId } = await dispatched();
    const traceId = hex(16);
    const rootId = hex(8);
    const t0 = Date.parse("2026-11-25T10:00:00Z");
    await store([
      otlpSpan({ traceId, parentSpanId: rootId, name: "tts_request", startMs: t0 + 900, durationMs: 250, sessionId }),
      { ...otlpSpan({ traceId, spanId: rootId, name: "agent_session", startMs: t0, durationMs: 4000, sessionId }), status: { code: 2, message: "caller hung up" }, events: [{ name: "interrupted", timeUnixNano: `${t0 + 1}000000`, attributes: [{ key: "by", value: { stringValue: "user" } }] }] },
      otlpSpan({ traceId, parentSpanId: rootId, name: "llm_request", startMs: t0 + 100, durationMs: 640.5, sessionId, attributes: { "gen_ai.request.model": "demo", "gen_ai.usage.input_tokens": 12 } }),
      otlpSpan({ name: "someone else's", sessionId: "ses_01jqz8k3m4n5p6q7r8s9t0v1w2" }),
    ]);

    const res = await call("GET", `/v1/sessions/${sessionId}/trace`, { token: w.member.token });
    expect(res.status).toBe(200);
    const trace = SessionTrace.parse(res.body);
    expect(trace.truncated).toBe(false);
    expect(trace.spans.map((s) => s.name)).toEqual(["agent_session", "llm_request", "tts_request"]);
    const [root, llm] = trace.spans;
    expect(root).toMatchObject({ spanId: rootId, parentSpanId: null, kind: "internal", startMs: t0, durationMs: 4000, status: { code: "error", message: "caller hung up" } });
    expect(root?.events).toEqual([{ name: "interrupted", timeUnixNano: `${t0 + 1}000000`, attributes: { by: "user" } }]);
    expect(llm).toMatchObject({ parentSpanId: rootId, startMs: t0 + 100, durationMs: 640.5, startTimeUnixNano: `${t0 + 100}000000`, status: { code: "unset", message: null } });
    expect(llm?.attributes).toEqual({ "speaknode.session.id": sessionId, "gen_ai.request.model": "demo", "gen_ai.usage.input_tokens": 12 });

    // An API key of the space reads it too; another space's owner does not see it exists.
    expect((await call("GET", `/v1/sessions/${sessionId}/trace`, { token: w.apiKey })).status).toBe(200);
    expectProblem(await call("GET", `/v1/sessions/${sessionId}/trace`, { token: w.outsider.token }), 404, "not_found");
  });

  it("answers an empty trace before any span arrived, and 404 for an unknown session", async () => {
    const { world: w, sessionId } = await dispatched();
    expect((await call("GET", `/v1/sessions/${sessionId}/trace`, { token: w.owner.token })).body).toEqual({ sessionId, spans: [], truncated: false });
    expectProblem(await call("GET", "/v1/sessions/ses_00000000000000000000000000/trace", { token: w.owner.token }), 404, "not_found");
    expectProblem(await call("GET", "/v1/sessions/nope/trace", { token: w.owner.token }), 400, "validation_failed");
  });

  it(`cuts a trace longer than ${maxTraceSpans} spans, keeping the oldest`, async () => {
    const { world: w, sessionId } = await dispatched();
    const traceId = hex(16);
    const t0 = Date.now() - 60_000;
    await store(Array.from({ length: maxTraceSpans + 1 }, (_, i) => otlpSpan({ traceId, sessionId, startMs: t0 + i, name: `s${i}` })));
    const res = await call("GET", `/v1/sessions/${sessionId}/trace`, { token: w.owner.token });
    const trace = SessionTrace.parse(res.body);
    expect(trace.truncated).toBe(true);
    expect(trace.spans).toHaveLength(maxTraceSpans);
    expect(trace.spans[0]?.name).toBe("s0");
    expect(trace.spans.at(-1)?.name).toBe(`s${maxTraceSpans - 1}`);
  });
});
