// A validated OTLP request → the span groups the queue carries (telemetry-protocol.ts in
// @speaknode/contracts), and those groups → queue messages small enough for Cloudflare Queues.
// Everything a row needs is decided here, at the edge, so the consumer's insert cannot fail on the
// data: lengths are cut to the columns', strings made storable, the session id resolved from the
// span or its resource.
import { idSchema, spanSessionIdAttribute } from "@speaknode/contracts";
import { flattenAttributes, storableString, truncate } from "./attributes.ts";
import type { ExportTraceServiceRequest, KeyValue, OtlpSpan } from "./otlp.ts";
import { spanKindNumber, statusCodeNumber } from "./otlp.ts";
import { messageBudgetBytes, sendBatchBudgetBytes, sendBatchMaxMessages, telemetryProtocolVersion } from "@speaknode/contracts";
import type { SpanGroup, SpanRecord, SpansMessage } from "@speaknode/contracts";

const sessionIdPattern = idSchema("session");

// Every span of a session carries the same id: the last answer is kept rather than asking the
// zod pattern again for each span (a schema parse per span was a visible part of the request's CPU).
let lastSessionId: { value: string; valid: boolean } | undefined;

function sessionIdOf(attributes: KeyValue[] | undefined): string | null {
  const value = attributes?.find((a) => a.key === spanSessionIdAttribute)?.value?.stringValue;
  if (value === undefined) return null;
  if (lastSessionId?.value !== value) lastSessionId = { value, valid: sessionIdPattern.safeParse(value).success };
  return lastSessionId.valid ? value : null;
}

/** The canonical decimal of a validated UnixNano (a digit string or a safe integer), without BigInt. */
function decimal(v: string | number): string {
  if (typeof v === "number") return String(v);
  let i = 0;
  while (i < v.length - 1 && v.charCodeAt(i) === 48) i++;
  return i === 0 ? v : v.slice(i);
}

function toRecord(span: OtlpSpan, resourceSessionId: string | null): SpanRecord {
  const parent = span.parentSpanId ? span.parentSpanId.toLowerCase() : null;
  return {
    traceId: span.traceId.toLowerCase(),
    spanId: span.spanId.toLowerCase(),
    parentSpanId: parent,
    sessionId: sessionIdOf(span.attributes) ?? resourceSessionId,
    name: truncate(storableString(span.name), 300),
    kind: spanKindNumber(span.kind),
    startTimeUnixNano: decimal(span.startTimeUnixNano),
    endTimeUnixNano: decimal(span.endTimeUnixNano),
    statusCode: statusCodeNumber(span.status?.code),
    statusMessage: span.status?.message ? truncate(storableString(span.status.message), 1000) : null,
    attributes: flattenAttributes(span.attributes),
    events: (span.events ?? []).map((e) => ({ name: storableString(e.name), timeUnixNano: decimal(e.timeUnixNano), attributes: flattenAttributes(e.attributes) })),
  };
}

export interface Normalized {
  groups: SpanGroup[];
  spanCount: number;
  /** Spans refused (the request still succeeds for the rest), with why. */
  rejected: number;
  reasons: Set<string>;
}

/**
 * @param onlySessionId set when the caller's token is narrowed to one session: spans of any other
 * session (or of none) are refused.
 */
export function normalizeRequest(request: ExportTraceServiceRequest, onlySessionId?: string): Normalized {
  const out: Normalized = { groups: [], spanCount: 0, rejected: 0, reasons: new Set() };
  for (const rs of request.resourceSpans ?? []) {
    const resourceAttributes = rs.resource?.attributes;
    const resource = flattenAttributes(resourceAttributes);
    const resourceSessionId = sessionIdOf(resourceAttributes);
    for (const ss of rs.scopeSpans ?? []) {
      const spans: SpanRecord[] = [];
      for (const span of ss.spans ?? []) {
        const record = toRecord(span, resourceSessionId);
        if (onlySessionId !== undefined && record.sessionId !== onlySessionId) {
          out.rejected++;
          out.reasons.add("the service token is for another session");
          continue;
        }
        spans.push(record);
      }
      if (spans.length === 0) continue;
      const scope = { name: storableString(ss.scope?.name ?? ""), version: ss.scope?.version ? storableString(ss.scope.version) : null };
      out.groups.push({ resource, scope, spans });
      out.spanCount += spans.length;
    }
  }
  return out;
}

const encoder = new TextEncoder();
const nonAscii = /[^\x00-\x7f]/;
/** UTF-8 size of the value's JSON; most spans are ASCII, whose size is their length (no encoding). */
function byteLength(value: unknown): number {
  const json = JSON.stringify(value);
  return nonAscii.test(json) ? encoder.encode(json).byteLength : json.length;
}
/** Room left in every chunk for the message envelope around its groups. */
const envelopeBytes = 200;

export interface Packed {
  chunks: { groups: SpanGroup[]; bytes: number }[];
  /** Spans too large for any chunk on their own. */
  oversized: number;
}

/** Packs groups into as few chunks of at most `budgetBytes` (as JSON) as they fit, splitting groups where needed. */
export function packGroups(groups: SpanGroup[], budgetBytes = messageBudgetBytes): Packed {
  const packed: Packed = { chunks: [], oversized: 0 };
  let current: SpanGroup[] = [];
  let currentBytes = envelopeBytes;
  const close = () => {
    if (current.length > 0) packed.chunks.push({ groups: current, bytes: currentBytes });
    current = [];
    currentBytes = envelopeBytes;
  };
  for (const group of groups) {
    // The group's resource and scope, repeated in every chunk the group is split across.
    const headerBytes = byteLength({ resource: group.resource, scope: group.scope, spans: [] }) + 1;
    let open: SpanGroup | undefined;
    for (const span of group.spans) {
      const spanBytes = byteLength(span) + 1;
      if (envelopeBytes + headerBytes + spanBytes > budgetBytes) {
        packed.oversized++;
        continue;
      }
      if (!open || currentBytes + spanBytes > budgetBytes) {
        if (currentBytes + headerBytes + spanBytes > budgetBytes) close();
        open = { resource: group.resource, scope: group.scope, spans: [] };
        current.push(open);
        currentBytes += headerBytes;
      }
      open.spans.push(span);
      currentBytes += spanBytes;
    }
  }
  close();
  return packed;
}

export function spansMessages(packed: Packed, receivedAtMs: number): { body: SpansMessage; bytes: number }[] {
  return packed.chunks.map(({ groups, bytes }) => ({ body: { protocolVersion: telemetryProtocolVersion, type: "spans", receivedAtMs, groups }, bytes }));
}

/** Messages grouped into sendBatch calls within the count and total-size limits. */
export function sendBatches<T>(messages: { body: T; bytes: number }[]): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const m of messages) {
    if (batch.length > 0 && (batch.length >= sendBatchMaxMessages || bytes + m.bytes > sendBatchBudgetBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(m.body);
    bytes += m.bytes;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
