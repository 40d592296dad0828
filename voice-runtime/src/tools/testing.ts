// A webhook tool's test bench: an API on 127.0.0.1 that records the exact bytes it received, and a
// text-only AgentSession whose FakeLLM calls the tool, so a call goes through the library as in a session.
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { voice } from "@livekit/agents";
import { newId } from "@speaknode/contracts";
import type { RuntimeWebhookTool } from "@speaknode/contracts";
import { createHttpGuard } from "./http-guard.ts";
import type { SpeechControl, ToolCallRecord, WebhookToolHooks } from "./types.ts";
import { createWebhookTool } from "./webhook.ts";

export type Seen = { method: string; url: string; headers: IncomingMessage["headers"]; body: string };
export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
/** Every session the harnesses started, oldest first; `closeAll` empties it. */
export const sessions: voice.AgentSession[] = [];

/** Closes the sessions and APIs the tests started: call it in afterEach. */
export async function closeAll(): Promise<void> {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
}

/** A 127.0.0.1 API; `log` receives "request <url>" when a request has fully arrived. */
export async function startApi(handler: Handler, log: string[] = []): Promise<{ base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      log.push(`request ${req.url ?? ""}`);
      handler(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

export const json = (status: number, body: unknown, delayMs = 0): Handler => (_req, res) => {
  setTimeout(() => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body)), delayMs);
};

export function toolDef(over: Partial<RuntimeWebhookTool> & Pick<RuntimeWebhookTool, "url">): RuntimeWebhookTool {
  return {
    id: newId("tool"),
    type: "webhook",
    code: "create_order",
    description: "Creates an order.",
    method: "POST",
    headersSchema: null,
    bodySchema: { type: "object", properties: { orderId: { type: "string" }, qty: { type: "integer", minimum: 1 }, note: { type: "string" } }, required: ["orderId", "qty"] },
    headers: { "x-tenant": "{{tenant}}" },
    secretHeaders: { authorization: "Bearer s3cret" },
    timeoutMs: 2000,
    preToolSpeech: null,
    progressSpeech: null,
    transferRules: [],
    parameterLocations: null,
    bodyEncoding: "json",
    parameterStyles: {},
    secretQuery: {},
    // The secret headers belong to the test API's origin unless a test says otherwise.
    secretOrigin: /^[a-z]+:\/\/[^/?#]+/i.exec(over.url)?.[0] ?? null,
    ...over,
  };
}

export interface Harness {
  records: ToolCallRecord[];
  transfers: [string, string][];
  said: string[];
  /** The tool's output as the LLM saw it. */
  call(args: Record<string, unknown>): Promise<{ output: string; isError: boolean }>;
}

/** A text-only AgentSession whose FakeLLM calls the tool on "go"; `say` goes through session.say. */
export async function harness(def: RuntimeWebhookTool, opts: { log?: string[]; maxResponseChars?: number; allow?: string[] } = {}): Promise<Harness> {
  const records: ToolCallRecord[] = [];
  const transfers: [string, string][] = [];
  const said: string[] = [];
  let session: voice.AgentSession | undefined;
  const hooks: WebhookToolHooks = {
    say(text): SpeechControl {
      said.push(text);
      opts.log?.push(`say ${text}`);
      const handle = session?.say(text, { allowInterruptions: true, addToChatCtx: false });
      return { interrupt: () => void handle?.interrupt(), done: handle ? handle.waitForPlayout() : Promise.resolve() };
    },
    onCall: (r) => records.push(r),
    transfer: (target, reason) => transfers.push([target, reason]),
  };
  const guard = createHttpGuard({ allowPrivateHosts: opts.allow ?? ["127.0.0.1"] });
  const tool = createWebhookTool(def, { variables: { tenant: "acme corp", region: "eu" }, guard, hooks, maxResponseChars: opts.maxResponseChars ?? 8000 });
  return {
    records,
    transfers,
    said,
    async call(args) {
      const fake = new voice.testing.FakeLLM([{ input: "go", toolCalls: [{ name: def.code, args }] }]);
      session = new voice.AgentSession({ llm: fake });
      sessions.push(session);
      await session.start({ agent: new voice.Agent({ instructions: "You place orders.", tools: [tool] }) });
      const result = await session.run({ userInput: "go" }).wait();
      const out = result.events.find((e) => e.type === "function_call_output");
      if (out?.type !== "function_call_output") throw new Error("the tool produced no output");
      return { output: out.item.output, isError: out.item.isError };
    },
  };
}
