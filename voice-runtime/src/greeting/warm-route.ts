// POST /v1/greetings/warm on the runtime's HTTP server: after a publish the Worker sends the new
// version's first messages (rendered) with each locale's TTS, and the runtime synthesizes those it
// does not hold yet into the greeting cache, so even the version's first call starts its greeting
// at once. Only the Worker calls it, with a short-lived HS256 JWT of its own audience and scope
// "greeting-warm" bound to the agent (@speaknode/tokens). Keys follow the voice preview's rules
// (tts-preview.ts): a space's key goes to its own vetted base URL only, through the same registry
// and endpoint guard; null means the platform's key, which never goes to a URL the request names.
// The answer is JSON: per locale "cached" (already held), "warmed" or "failed" with a code.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AudioFrame } from "@livekit/rtc-node";
import { idSchema, Locale } from "@speaknode/contracts";
import { verifyGreetingWarmToken } from "@speaknode/tokens";
import { z } from "zod";
import { readJsonBody } from "../http/json-body.ts";
import { errorFields, log } from "../log.ts";
import { ProviderUnavailableError, type ProviderRegistry } from "../providers/registry.ts";
import { refusalStatus } from "../session/provider-failures.ts";
import type { GreetingCache } from "./greeting-cache.ts";
import { greetingKey } from "./greeting-key.ts";
import { clipOf, synthesizeGreeting } from "./synthesize.ts";

export const greetingWarmPath = "/v1/greetings/warm";
const defaultTimeoutMs = 30_000;
const maxBodyBytes = 256 * 1024;
/** Locales synthesized at once: warming must not starve the calls this runtime is serving. */
const concurrency = 2;

export const GreetingWarmRequest = z.object({
  agentId: idSchema("agent"),
  agentVersion: z.number().int().nullable(),
  draftVersion: z.number().int().nullable(),
  greetings: z
    .array(
      z.object({
        /** As the runtime configuration carries it: `firstMessage` rendered, params with the catalog's defaults. */
        locale: Locale,
        /** A space's key and the base URL it is bound to; null = the platform's key. */
        credential: z.object({ apiKey: z.string().min(1).max(4096), baseUrl: z.url() }).nullable().default(null),
      }),
    )
    .max(30),
});
export type GreetingWarmRequest = z.infer<typeof GreetingWarmRequest>;

export type GreetingWarmResult = { language: string; status: "cached" | "warmed" | "skipped" } | { language: string; status: "failed"; code: string };

export interface GreetingWarmOptions {
  /** The runtime token secret (the one media tokens are verified with). */
  tokenSecret: string;
  providers: Pick<ProviderRegistry, "standaloneTts">;
  cache: GreetingCache;
  timeoutMs?: number;
}

type Refusal = { status: number; code: string; message: string };

class WarmRefused extends Error {
  override name = "WarmRefused";
  readonly refusal: Refusal;
  constructor(refusal: Refusal) {
    super(refusal.message);
    this.refusal = refusal;
  }
}

/** The warm route; `handleRequest` answers it and returns false for any other request. */
export function createGreetingWarm(options: GreetingWarmOptions): { handleRequest(req: IncomingMessage, res: ServerResponse): boolean } {
  if (options.tokenSecret.length < 32) throw new Error("the greeting warm route needs the runtime token secret");
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(req.headers.authorization ?? "")?.[1];
      const claims = token ? await verifyGreetingWarmToken(options.tokenSecret, token) : null;
      if (!claims) throw new WarmRefused({ status: 401, code: "unauthorized", message: "The greeting token is missing, invalid or expired." });
      const read = await readJsonBody(req, GreetingWarmRequest, maxBodyBytes);
      if (!read.ok) throw new WarmRefused(read);
      const body = read.data;
      if (body.agentId !== claims.agentId) throw new WarmRefused({ status: 403, code: "forbidden", message: "The token is for another agent." });
      const results = await warmAll(options, body, timeoutMs);
      const warmed = results.filter((r) => r.status === "warmed").length;
      log.info("greetings warmed", { spaceId: claims.spaceId, agentId: body.agentId, warmed, failed: results.filter((r) => r.status === "failed").length });
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify({ results }));
    } catch (err) {
      const refusal = err instanceof WarmRefused ? err.refusal : { status: 500, code: "internal", message: "The greetings could not be warmed." };
      if (refusal.status >= 500) log.warn("greeting warm failed", { code: refusal.code, ...errorFields(err) });
      if (!res.headersSent) res.writeHead(refusal.status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ code: refusal.code, message: refusal.message }));
    }
  }

  return {
    handleRequest(req, res) {
      const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
      if (pathname !== greetingWarmPath) return false;
      if (req.method !== "POST") {
        res.writeHead(405, { allow: "POST", "content-type": "application/json" }).end(JSON.stringify({ code: "method_not_allowed", message: "Use POST." }));
        return true;
      }
      void handle(req, res);
      return true;
    },
  };
}

/** Every greeting of the request, `concurrency` at a time; one failing never stops the others. */
async function warmAll(options: GreetingWarmOptions, body: GreetingWarmRequest, timeoutMs: number): Promise<GreetingWarmResult[]> {
  const results: GreetingWarmResult[] = new Array(body.greetings.length);
  let next = 0;
  const worker = async () => {
    while (next < body.greetings.length) {
      const at = next++;
      const greeting = body.greetings[at];
      if (greeting) results[at] = await warmOne(options, body, greeting, timeoutMs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, body.greetings.length) }, worker));
  return results;
}

async function warmOne(options: GreetingWarmOptions, body: GreetingWarmRequest, greeting: GreetingWarmRequest["greetings"][number], timeoutMs: number): Promise<GreetingWarmResult> {
  const { locale, credential } = greeting;
  const language = locale.language;
  if (locale.firstMessage.trim() === "") return { language, status: "skipped" };
  const key = greetingKey({ agent: body, locale });
  if (await options.cache.has(key)) return { language, status: "cached" };
  let engine;
  try {
    engine = await options.providers.standaloneTts(locale, credential);
  } catch (err) {
    if (err instanceof ProviderUnavailableError) return { language, status: "failed", code: "provider_unavailable" };
    throw err;
  }
  const synthesis = synthesizeGreeting(engine, locale.firstMessage);
  const timer = setTimeout(() => synthesis.stop(), timeoutMs);
  const frames: AudioFrame[] = [];
  try {
    for await (const frame of synthesis.frames) frames.push(frame);
  } finally {
    clearTimeout(timer);
    await engine.close().catch(() => {});
  }
  const clip = synthesis.complete ? clipOf(frames) : null;
  if (!clip) {
    const failure = synthesis.failure;
    const code = failure ? (refusalStatus(failure) !== undefined ? "provider_refused" : "provider_failed") : "timeout_or_empty";
    log.warn("greeting not warmed", { agentId: body.agentId, language, code, ...(failure ? errorFields(failure) : {}) });
    return { language, status: "failed", code };
  }
  await options.cache.put(key, clip);
  return { language, status: "warmed" };
}
