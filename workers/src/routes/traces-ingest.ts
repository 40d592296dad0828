// POST /v1/traces: the OTLP/HTTP traces endpoint the voice runtime exports to, with its service
// token. Validates, enqueues and answers at once — spans reach Postgres through the telemetry
// queue's consumer, never in this request. Only the JSON encoding is accepted: decoding protobuf
// would need a protobuf runtime the Worker does not otherwise carry.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../context.ts";
import { ApiError, fieldErrorsFromZod } from "../errors.ts";
import { errorFields, log } from "../lib/log.ts";
import { jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { authenticateRuntime } from "../runtime/middleware.ts";
import { runtimeSecurity } from "../runtime/openapi.ts";
import { normalizeRequest, packGroups, spansMessages } from "../telemetry/normalize.ts";
import { isPlainExport } from "../telemetry/otlp-check.ts";
import { ExportTraceServiceRequest, ExportTraceServiceResponse, OtlpKeyValue } from "../telemetry/otlp.ts";
import { sendMessages, telemetryQueue } from "../telemetry/queue.ts";

/** Big enough for a few hundred spans per export (the runtime sends at most 256 at a time). */
export const traceBodyMaxBytes = 2 * 1024 * 1024;
/** A bad body is described by at most this many field errors. */
const maxFieldErrors = 50;

const jsonOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    const detail = type === "application/x-protobuf" ? "OTLP/HTTP protobuf is not supported: send OTLP/HTTP JSON (Content-Type: application/json)" : "send OTLP/HTTP JSON (Content-Type: application/json)";
    throw new ApiError("unsupported_media_type", detail);
  }
  const encoding = c.req.header("content-encoding")?.trim().toLowerCase();
  if (encoding && encoding !== "identity") throw new ApiError("unsupported_media_type", "compressed bodies are not supported: send OTLP/HTTP JSON uncompressed");
  await next();
};

const limitBody = bodyLimit({
  maxSize: traceBodyMaxBytes,
  onError: () => {
    throw new ApiError("payload_too_large", `the body is larger than ${traceBodyMaxBytes / 1024 / 1024} MiB: export fewer spans per request`);
  },
});

export const route = createRoute({
  method: "post",
  path: "/v1/traces",
  tags: ["telemetry"],
  summary: "OTLP/HTTP JSON trace export (voice runtime): spans are queued and stored shortly after",
  security: runtimeSecurity,
  // Authenticate before reading anything; then the media type and size, then the body itself.
  middleware: [authenticateRuntime(), jsonOnly, limitBody] as const,
  request: { body: jsonBody(ExportTraceServiceRequest, "An ExportTraceServiceRequest, OTLP/HTTP JSON encoding") },
  responses: {
    200: jsonResponse(ExportTraceServiceResponse, "Accepted (partialSuccess counts the spans refused, if any)"),
    400: problemSpec("Not JSON, or not an ExportTraceServiceRequest"),
    401: problemSpec("Missing, invalid or expired service token"),
    413: problemSpec(`Larger than ${traceBodyMaxBytes / 1024 / 1024} MiB`),
    415: problemSpec("Not application/json (protobuf is not supported)"),
    503: problemSpec("The telemetry queue did not take the spans; retry"),
  },
});

/** The body as an ExportTraceServiceRequest: the fast check, or the schema with its field errors. */
function exportRequest(body: unknown): ExportTraceServiceRequest {
  if (isPlainExport(body)) return body;
  const result = ExportTraceServiceRequest.safeParse(body);
  if (result.success) return result.data;
  const errors = fieldErrorsFromZod(result.error, "body");
  throw new ApiError("validation_failed", `not an OTLP ExportTraceServiceRequest (${errors.length} problems)`, { errors: errors.slice(0, maxFieldErrors) });
}

export function registerTracesIngest(app: OpenAPIHono<AppEnv>): void {
  // Referred to from OtlpAttributes' hand-written OpenAPI schema, so registered by name.
  app.openAPIRegistry.register("OtlpKeyValue", OtlpKeyValue);
  // Documented from the route, but not validated by app.openapi's zod validator: most bodies pass
  // otlp-check.ts's walk at a fraction of the schema's cost; the schema judges the rest.
  const { middleware, ...documented } = route;
  app.openAPIRegistry.registerPath(documented);
  app.post(route.path, ...middleware, async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new ApiError("malformed_request", "the body is not valid JSON");
    }
    const normalized = normalizeRequest(exportRequest(body), c.get("runtimeService").sessionId);
    const packed = packGroups(normalized.groups);
    if (packed.chunks.length > 0) {
      try {
        await sendMessages(telemetryQueue(c.env), spansMessages(packed, Date.now()));
      } catch (err) {
        log.error("telemetry: spans not queued", { requestId: c.get("requestId"), spans: normalized.spanCount, ...errorFields(err) });
        throw new ApiError("upstream_unavailable", "the spans could not be queued; retry shortly", { headers: { "retry-after": "5" } });
      }
    }
    if (packed.oversized > 0) normalized.reasons.add("a span is larger than a queue message (100 KB)");
    const rejectedSpans = normalized.rejected + packed.oversized;
    const partialSuccess = rejectedSpans > 0 ? { rejectedSpans, errorMessage: [...normalized.reasons].join("; ") } : {};
    return c.json({ partialSuccess } satisfies ExportTraceServiceResponse, 200);
  });
}
