// Which session a span belongs to. The runner runs each session inside `withSessionTelemetry`, an
// OpenTelemetry context value that follows the session's async work (the provider's
// AsyncLocalStorage context manager carries it); a span processor copies it onto every span as
// `speaknode.session.id` (and `speaknode.agent.id`), so the Worker can file the span under its
// session. A span started outside that context (a callback from native code) takes the ids from
// its parent span instead.
import { context, createContextKey, trace, type Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-node";
import { spanAgentIdAttribute as agentIdAttribute, spanSessionIdAttribute as sessionIdAttribute } from "@speaknode/contracts";

/** Mutable on purpose: a transfer to another agent changes the agent of spans started after it. */
export interface SessionTelemetry {
  readonly sessionId: string;
  agentId: string | undefined;
}

const sessionKey = createContextKey("speaknode.session");

/** Runs `fn` (and all the async work it starts) as part of the session. */
export function withSessionTelemetry<T>(session: SessionTelemetry, fn: () => T): T {
  return context.with(context.active().setValue(sessionKey, session), fn);
}

function stringAttribute(span: unknown, key: string): string | undefined {
  if (typeof span !== "object" || span === null || !("attributes" in span)) return undefined;
  const value = (span as ReadableSpan).attributes[key];
  return typeof value === "string" ? value : undefined;
}

export class SessionAttributesProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const session = parentContext.getValue(sessionKey) as SessionTelemetry | undefined;
    const parent = session ? undefined : trace.getSpan(parentContext);
    const sessionId = session?.sessionId ?? stringAttribute(parent, sessionIdAttribute);
    const agentId = session ? session.agentId : stringAttribute(parent, agentIdAttribute);
    if (sessionId) span.setAttribute(sessionIdAttribute, sessionId);
    if (agentId) span.setAttribute(agentIdAttribute, agentId);
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
