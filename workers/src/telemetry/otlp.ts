// OTLP/HTTP JSON as the voice runtime (or any OpenTelemetry SDK) sends it to POST /v1/traces:
// ExportTraceServiceRequest → resourceSpans → scopeSpans → spans. The protobuf JSON mapping with
// OTLP's exceptions: trace and span ids are hex strings (not base64), 64-bit integers (times,
// intValue) come as decimal strings or as numbers, enums as integers (names are accepted too).
// Unknown fields are ignored, as protobuf JSON readers do, so newer senders keep working.
//
// Validation only; no transforms, so the same schema documents the body in OpenAPI. normalize.ts
// turns a parsed request into the rows we store.
import { z } from "@hono/zod-openapi";
import { rawText, text } from "@speaknode/contracts";
import { OtlpAttributes } from "./any-value.ts";

export type { AnyValue, KeyValue } from "./any-value.ts";
export { OtlpAttributes, OtlpKeyValue } from "./any-value.ts";

const hexId = (chars: number) => text().regex(new RegExp(`^(?!0+$)[0-9a-fA-F]{${chars}}$`), `must be ${chars} hex characters, not all zero`);

const maxInt64 = 2n ** 63n - 1n;

/** Nanoseconds since the epoch: a decimal string (exact) or a JSON number. */
export const UnixNano = z
  .union([text().regex(/^\d{1,19}$/, "must be a decimal string of nanoseconds"), z.number().int().nonnegative()])
  // Refinements run even when the union failed: only a well-formed value reaches BigInt.
  .refine((v) => (typeof v === "number" ? Number.isSafeInteger(v) : /^\d+$/.test(v) && BigInt(v) <= maxInt64), "must fit in a signed 64-bit integer");

const attributes = OtlpAttributes;

const spanKindNames = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"] as const;
const statusCodeNames = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"] as const;

export const OtlpSpanKind = z.union([z.number().int().min(0).max(5), z.enum(spanKindNames)]);
export const OtlpStatusCode = z.union([z.number().int().min(0).max(2), z.enum(statusCodeNames)]);

export function spanKindNumber(kind: z.infer<typeof OtlpSpanKind> | undefined): number {
  return kind === undefined ? 0 : typeof kind === "number" ? kind : spanKindNames.indexOf(kind);
}
export function statusCodeNumber(code: z.infer<typeof OtlpStatusCode> | undefined): number {
  return code === undefined ? 0 : typeof code === "number" ? code : statusCodeNames.indexOf(code);
}

export const OtlpEvent = z.object({
  timeUnixNano: UnixNano,
  name: rawText().max(1000),
  attributes: attributes.optional(),
  droppedAttributesCount: z.number().int().nonnegative().optional(),
});

export const OtlpSpan = z.object({
  traceId: hexId(32),
  spanId: hexId(16),
  traceState: rawText().optional(),
  /** Empty (or absent) for a root span. */
  parentSpanId: z.union([z.literal(""), hexId(16)]).optional(),
  flags: z.number().int().nonnegative().optional(),
  name: rawText(),
  kind: OtlpSpanKind.optional(),
  startTimeUnixNano: UnixNano,
  endTimeUnixNano: UnixNano,
  attributes: attributes.optional(),
  droppedAttributesCount: z.number().int().nonnegative().optional(),
  events: z.array(OtlpEvent).max(1000).optional(),
  droppedEventsCount: z.number().int().nonnegative().optional(),
  droppedLinksCount: z.number().int().nonnegative().optional(),
  status: z.object({ message: rawText().optional(), code: OtlpStatusCode.optional() }).optional(),
});
export type OtlpSpan = z.infer<typeof OtlpSpan>;

export const OtlpScope = z.object({
  name: rawText().max(1000).optional(),
  version: rawText().max(1000).optional(),
  attributes: attributes.optional(),
  droppedAttributesCount: z.number().int().nonnegative().optional(),
});

export const OtlpScopeSpans = z.object({
  scope: OtlpScope.optional(),
  spans: z.array(OtlpSpan).max(20_000).optional(),
  schemaUrl: rawText().max(2000).optional(),
});

export const OtlpResourceSpans = z.object({
  resource: z.object({ attributes: attributes.optional(), droppedAttributesCount: z.number().int().nonnegative().optional() }).optional(),
  scopeSpans: z.array(OtlpScopeSpans).max(1000).optional(),
  schemaUrl: rawText().max(2000).optional(),
});

export const ExportTraceServiceRequest = z
  .object({ resourceSpans: z.array(OtlpResourceSpans).max(1000).optional() })
  .openapi("ExportTraceServiceRequest", { description: "OTLP/HTTP JSON: opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest" });
export type ExportTraceServiceRequest = z.infer<typeof ExportTraceServiceRequest>;

export const ExportTraceServiceResponse = z
  .object({
    partialSuccess: z.object({
      /** How many spans of the request were refused (the rest were accepted). */
      rejectedSpans: z.number().int().nonnegative().optional(),
      errorMessage: rawText().optional(),
    }),
  })
  .openapi("ExportTraceServiceResponse");
export type ExportTraceServiceResponse = z.infer<typeof ExportTraceServiceResponse>;
