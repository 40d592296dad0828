// Traces to an OTLP/HTTP endpoint as JSON: the spans @livekit/agents makes for each session (the
// session, user and agent turns, STT, LLM, tool calls, TTS) and any of our own. The provider is
// registered globally (its AsyncLocalStorage context manager is what nests a session's spans under
// one trace) and handed to the library with telemetry.setTracerProvider.
//
// The exporter is the one @opentelemetry/exporter-trace-otlp-http builds (OTLP HTTP delegate +
// JSON serializer, with its timeouts and retries), assembled here from the packages @livekit/agents
// already depends on. Tracing must never hurt a call: a failed export is dropped with a warning,
// and flushing or shutting down never rejects.
import { telemetry } from "@livekit/agents";
import { context, trace } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import type { ExportResult } from "@opentelemetry/core";
import { OTLPExporterBase } from "@opentelemetry/otlp-exporter-base";
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from "@opentelemetry/otlp-exporter-base/node-http";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-node";
import { errorFields, log } from "../log.ts";
import type { HeadersFactory } from "./exporter-auth.ts";
import { SessionAttributesProcessor } from "./session-context.ts";

export interface TracingOptions {
  /** Full URL of the OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
  endpoint: string;
  /** Static headers, or a function asked before every export (for short-lived tokens). */
  headers?: Record<string, string> | HeadersFactory;
  serviceName?: string;
  /** More resource attributes, e.g. `service.instance.id`. */
  resource?: Record<string, string>;
  /**
   * Whether spans may carry conversation content (prompts, replies, tool arguments). Off by
   * default: the library then strips its PII-marked attributes before export.
   */
  allowPii?: boolean;
  /** How long one export may take before it is abandoned. */
  exportTimeoutMs?: number;
}

export interface Tracing {
  readonly provider: NodeTracerProvider;
  /** Exports every ended span now; resolves (never rejects) once done or given up. */
  forceFlush(): Promise<void>;
  /** Flushes, then stops tracing and releases the global registration. */
  shutdown(): Promise<void>;
}

/** Failed exports are reported at most this often; the spans in them are dropped either way. */
const warnEveryMs = 60_000;
/** Spans per export: keeps a request well under the Worker's 2 MiB body limit for /v1/traces. */
const maxExportBatchSize = 256;

export function startTracing(options: TracingOptions): Tracing {
  const exporter = new WarningExporter(otlpJsonExporter(options), options.endpoint);
  // the library attaches its PII filter (and would attach LiveKit Cloud's exporter) through this
  const fanout = new telemetry.FanoutSpanProcessor();
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ "service.name": options.serviceName ?? "speaknode-voice-runtime", ...options.resource })),
    // The session attributes first: the library's processors and the export see them on every span.
    spanProcessors: [new SessionAttributesProcessor(), fanout, new BatchSpanProcessor(exporter, { maxExportBatchSize, exportTimeoutMillis: (options.exportTimeoutMs ?? 10_000) + 1000 })],
  });
  provider.register();
  telemetry.setTracerProvider(provider, { registerSpanProcessor: (processor) => fanout.add(processor), allowPii: options.allowPii ?? false });
  let stopped: Promise<void> | undefined;
  return {
    provider,
    // a failed export has already been reported by the exporter
    forceFlush: () => provider.forceFlush().catch((err: unknown) => log.debug("tracing: flush incomplete", errorFields(err))),
    shutdown() {
      stopped ??= provider
        .shutdown()
        .catch((err: unknown) => log.warn("tracing: shutdown failed", errorFields(err)))
        .finally(() => {
          // let a later startTracing register its own provider and context manager
          trace.disable();
          context.disable();
        });
      return stopped;
    },
  };
}

function otlpJsonExporter(options: TracingOptions): OTLPExporterBase<ReadableSpan[]> {
  const config = convertLegacyHttpOptions(
    { url: options.endpoint, headers: options.headers ?? {}, timeoutMillis: options.exportTimeoutMs ?? 10_000 },
    "TRACES",
    "v1/traces",
    { "Content-Type": "application/json" },
  );
  return new OTLPExporterBase(createOtlpHttpExportDelegate(config, JsonTraceSerializer));
}

/** Passes spans on and, when the endpoint will not take them, says so in our log rather than nowhere. */
class WarningExporter implements SpanExporter {
  private readonly inner: OTLPExporterBase<ReadableSpan[]>;
  private readonly endpoint: string;
  private lastWarningMs = -Infinity;
  private droppedSinceWarning = 0;

  constructor(inner: OTLPExporterBase<ReadableSpan[]>, endpoint: string) {
    this.inner = inner;
    this.endpoint = endpoint;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    try {
      this.inner.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) this.dropped(spans.length, result.error);
        resultCallback(result);
      });
    } catch (err) {
      this.dropped(spans.length, err);
      resultCallback({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  private dropped(count: number, err: unknown): void {
    this.droppedSinceWarning += count;
    const nowMs = Date.now();
    if (nowMs - this.lastWarningMs < warnEveryMs) return;
    this.lastWarningMs = nowMs;
    // only the origin: a query string could hold a credential
    log.warn("tracing: export failed; spans dropped", { endpoint: originOf(this.endpoint), droppedSpans: this.droppedSinceWarning, ...errorFields(err) });
    this.droppedSinceWarning = 0;
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}
