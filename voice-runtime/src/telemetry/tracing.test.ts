import { voice } from "@livekit/agents";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startTracing } from "./tracing.ts";
import type { Tracing } from "./tracing.ts";

interface Received {
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

/** An OTLP/HTTP receiver on 127.0.0.1 that keeps what it is sent. */
async function receiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      received.push({ contentType: req.headers["content-type"], authorization: req.headers.authorization, body: JSON.parse(text) as unknown });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, received, server };
}

/** Every span in a batch of OTLP/JSON requests, checking the envelope on the way. */
function spansOf(received: Received[]): { spans: OtlpSpan[]; resources: Array<Record<string, string>> } {
  const spans: OtlpSpan[] = [];
  const resources: Array<Record<string, string>> = [];
  for (const { body } of received) {
    const { resourceSpans } = body as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }> }> };
    expect(Array.isArray(resourceSpans)).toBe(true);
    for (const rs of resourceSpans) {
      resources.push(Object.fromEntries(rs.resource.attributes.map((a) => [a.key, a.value.stringValue ?? ""])));
      for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    }
  }
  return { spans, resources };
}

let tracing: Tracing | undefined;
let server: Server | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
  server?.close();
  server = undefined;
});

async function runTextSession(): Promise<void> {
  const llm = new voice.testing.FakeLLM([{ input: "hello", content: "Hi there, how can I help?" }]);
  const agent = new voice.Agent({ instructions: "You are a test agent." });
  const session = new voice.AgentSession({ llm });
  await session.start({ agent });
  await session.run({ userInput: "hello" }).wait();
  await session.close();
}

describe("startTracing", () => {
  it("exports the library's session spans as OTLP JSON, one trace per session", async () => {
    const otlp = await receiver();
    server = otlp.server;
    tracing = startTracing({ endpoint: otlp.url, headers: { authorization: "Bearer t0ken" }, resource: { "service.instance.id": "runtime-1" } });
    await runTextSession();
    await tracing.forceFlush();

    expect(otlp.received.length).toBeGreaterThan(0);
    for (const r of otlp.received) {
      expect(r.contentType).toBe("application/json");
      expect(r.authorization).toBe("Bearer t0ken");
    }
    const { spans, resources } = spansOf(otlp.received);
    expect(resources[0]).toMatchObject({ "service.name": "speaknode-voice-runtime", "service.instance.id": "runtime-1" });
    for (const span of spans) {
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(span.name).toBeTruthy();
    }
    const names = spans.map((s) => s.name);
    expect(names).toContain("agent_session");
    expect(names).toContain("llm_request");
    // everything the session did hangs off its one trace
    const session = spans.find((s) => s.name === "agent_session")!;
    const llm = spans.find((s) => s.name === "llm_request")!;
    expect(llm.traceId).toBe(session.traceId);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([session.traceId]));
  });

  it("drops spans it cannot deliver without disturbing the call", async () => {
    // a port nothing listens on: bind one, then close it
    const closed = await receiver();
    await new Promise((resolve) => closed.server.close(resolve));
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      tracing = startTracing({ endpoint: `${closed.url}?key=secret`, exportTimeoutMs: 2000 });
      await runTextSession();
      await expect(tracing.forceFlush()).resolves.toBeUndefined();
      await expect(tracing.shutdown()).resolves.toBeUndefined();
      const lines = stderr.mock.calls.map(([chunk]) => String(chunk));
      const warning = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l["message"] === "tracing: export failed; spans dropped");
      expect(warning).toMatchObject({ level: "warn", endpoint: new URL(closed.url).origin });
      expect(warning!["droppedSpans"]).toBeGreaterThan(0);
      expect(lines.join("")).not.toContain("secret");
    } finally {
      stderr.mockRestore();
    }
  });
});
