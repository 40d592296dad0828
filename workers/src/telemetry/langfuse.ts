// Forwarding LLM spans to Langfuse (off unless LANGFUSE_* are configured). Langfuse ingests OTLP
// on `${base}/api/public/otel/v1/traces` with Basic auth (public key : secret key); the
// `x-langfuse-ingestion-version: 4` header asks for its real-time ingestion path. Only spans
// carrying `gen_ai.*` attributes go (the LLM, tool and agent spans), each under its own resource
// and instrumentation scope as the runtime exported it.
import { toKeyValues } from "./attributes.ts";
import { packGroups } from "./normalize.ts";
import type { ExportTraceServiceRequest, KeyValue } from "./otlp.ts";
import type { SpanGroup, SpanRecord } from "@speaknode/contracts";

export interface LangfuseSettings {
  /** https://cloud.langfuse.com, or a self-hosted origin; no trailing slash. */
  baseUrl: string;
  publicKey: string;
  secretKey: string;
}

export class LangfuseError extends Error {
  override name = "LangfuseError";
  readonly retryable: boolean;
  readonly status: number | undefined;
  constructor(message: string, retryable: boolean, status?: number) {
    super(message);
    this.retryable = retryable;
    this.status = status;
  }
}

export const langfuseTracesPath = "/api/public/otel/v1/traces";
/** Flattened JSON per request; the OTLP encoding Langfuse receives is somewhat larger. */
const requestBudgetBytes = 1_000_000;
const timeoutMs = 10_000;

const isGenAi = (span: SpanRecord) => Object.keys(span.attributes).some((k) => k.startsWith("gen_ai."));

/** The groups' gen_ai spans, groups without any left out. */
export function genAiGroups(groups: SpanGroup[]): SpanGroup[] {
  const out: SpanGroup[] = [];
  for (const g of groups) {
    const spans = g.spans.filter(isGenAi);
    if (spans.length > 0) out.push({ ...g, spans });
  }
  return out;
}

/** OTLP/HTTP JSON for the groups; groups sharing a resource share its resourceSpans entry. */
export function toOtlpRequest(groups: SpanGroup[]): ExportTraceServiceRequest {
  const byResource = new Map<string, { attributes: KeyValue[]; scopes: SpanGroup[] }>();
  for (const g of groups) {
    const key = JSON.stringify(g.resource);
    const entry = byResource.get(key) ?? { attributes: toKeyValues(g.resource), scopes: [] };
    entry.scopes.push(g);
    byResource.set(key, entry);
  }
  return {
    resourceSpans: [...byResource.values()].map(({ attributes, scopes }) => ({
      resource: { attributes },
      scopeSpans: scopes.map((g) => ({
        scope: { name: g.scope.name, ...(g.scope.version !== null ? { version: g.scope.version } : {}) },
        spans: g.spans.map((s) => ({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: s.startTimeUnixNano,
          endTimeUnixNano: s.endTimeUnixNano,
          attributes: toKeyValues(s.attributes),
          events: s.events.map((e) => ({ name: e.name, timeUnixNano: e.timeUnixNano, attributes: toKeyValues(e.attributes) })),
          status: { code: s.statusCode, ...(s.statusMessage !== null ? { message: s.statusMessage } : {}) },
        })),
      })),
    })),
  };
}

export interface ForwardResult {
  forwardedSpans: number;
  /** Groups whose request failed, with the first failure; empty when all went through. */
  failed: SpanGroup[];
  error: LangfuseError | undefined;
}

/** Sends the groups' gen_ai spans in requests of bounded size; never throws. */
export async function forwardToLangfuse(settings: LangfuseSettings, groups: SpanGroup[], fetchFn: typeof fetch = fetch): Promise<ForwardResult> {
  const result: ForwardResult = { forwardedSpans: 0, failed: [], error: undefined };
  const selected = genAiGroups(groups);
  if (selected.length === 0) return result;
  const authorization = `Basic ${btoa(`${settings.publicKey}:${settings.secretKey}`)}`;
  for (const chunk of packGroups(selected, requestBudgetBytes).chunks) {
    const spanCount = chunk.groups.reduce((n, g) => n + g.spans.length, 0);
    try {
      await post(fetchFn, `${settings.baseUrl}${langfuseTracesPath}`, authorization, toOtlpRequest(chunk.groups));
      result.forwardedSpans += spanCount;
    } catch (err) {
      result.error ??= err instanceof LangfuseError ? err : new LangfuseError(err instanceof Error ? err.message : String(err), true);
      result.failed.push(...chunk.groups);
    }
  }
  return result;
}

async function post(fetchFn: typeof fetch, url: string, authorization: string, body: ExportTraceServiceRequest): Promise<void> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: "POST",
      headers: { authorization, "content-type": "application/json", "x-langfuse-ingestion-version": "4" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new LangfuseError(`Langfuse did not answer: ${err instanceof Error ? err.name : "error"}`, true);
  }
  // The body is not needed, but must be read (or cancelled) to free the connection.
  await res.body?.cancel().catch(() => undefined);
  if (res.ok) return;
  // As the OTLP exporters do: throttling, timeouts and server errors may pass; the rest will not.
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  throw new LangfuseError(`Langfuse answered ${res.status}`, retryable, res.status);
}
