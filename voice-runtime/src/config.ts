// The voice runtime's configuration: read from the environment in this one place and validated.
// Nothing else in the runtime reads process.env.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

const list = z
  .string()
  .optional()
  .transform((v) => (v ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0));

const headerList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const headers: Record<string, string> = {};
    for (const pair of (v ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
      const at = pair.indexOf("=");
      if (at <= 0) {
        ctx.addIssue({ code: "custom", message: "must be key=value pairs separated by commas" });
        return z.NEVER;
      }
      headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
    }
    return headers;
  });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.length > 0 ? v : undefined));

const EnvSchema = z.object({
  /** The Worker that serves the runtime API (/runtime/v1). */
  SPEAKNODE_API_URL: z.url().default("http://127.0.0.1:8787"),
  /** HS256 secret shared with the Worker: signs our service tokens, verifies media tokens. */
  RUNTIME_TOKEN_SECRET: optionalString,
  RUNTIME_TOKEN_SECRET_FILE: optionalString,
  /** Which runtime this is, in service tokens and logs. */
  RUNTIME_ID: z.string().min(1).max(100).default("voice-runtime"),
  /** `local`: the WebSocket media endpoint (embedded default); `livekit`: a registered LiveKit agent worker. */
  RUNTIME_TRANSPORT: z.enum(["local", "livekit"]).default("local"),
  /** The runtime's HTTP server under either transport (job routes, /healthz); under `local` also the media WebSocket. */
  RUNTIME_MEDIA_HOST: z.string().default("127.0.0.1"),
  RUNTIME_MEDIA_PORT: z.coerce.number().int().min(0).max(65_535).default(8790),
  LIVEKIT_URL: optionalString,
  LIVEKIT_API_KEY: optionalString,
  LIVEKIT_API_SECRET: optionalString,
  LIVEKIT_AGENT_NAME: z.string().min(1).default("speaknode-agent"),
  /** LiveKit agents' own health server (GET / answers 503 while not registered with LiveKit), on 0.0.0.0. */
  LIVEKIT_HEALTH_PORT: z.coerce.number().int().min(1).max(65_535).default(8081),
  /** Full URL of an OTLP/HTTP traces endpoint (JSON); unset = no trace export. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_HEADERS: headerList,
  /** Hosts webhook tools may reach although they are private or loopback (e.g. 127.0.0.1,localhost for demos). */
  TOOL_ALLOW_PRIVATE_HOSTS: list,
  /** Hosts a space's provider key may reach although private or loopback (local development and tests). */
  PROVIDER_ALLOW_PRIVATE_HOSTS: list,
  TOOL_MAX_RESPONSE_CHARS: z.coerce.number().int().min(100).max(200_000).default(8000),
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(500).max(120_000).default(5000),
  /** Where recordings are written while calls run (uploaded and removed at the end). */
  RECORDINGS_DIR: optionalString,
  RECORDING_ENABLED: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  /**
   * What the runtime keeps across restarts (the event spools), for one runtime API. Default: a
   * directory under the OS temp dir named after the API URL, so runtimes serving different
   * platforms on one machine never deliver each other's spools. Give it a volume in production.
   */
  RUNTIME_DATA_DIR: optionalString,
  /** Undelivered events one session may spool while the runtime API is unreachable; past it, only the session's end is kept. */
  EVENT_SPOOL_MAX_BYTES: z.coerce.number().int().min(65_536).max(2 ** 40).default(64 * 1024 * 1024),
  /** Credentials of the cloud providers agents may choose. */
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString,
  OPENROUTER_API_KEY: optionalString,
  /** Key and base URL for `openai-compatible` LLMs run on the platform's key (Ollama, vLLM, …). The
   *  platform's keys go only to these URLs or to the Admin's catalog endpoints, never to one an agent names. */
  LLM_API_KEY: optionalString,
  LLM_BASE_URL: optionalString,
  DEEPGRAM_API_KEY: optionalString,
  ELEVENLABS_API_KEY: optionalString,
  CARTESIA_API_KEY: optionalString,
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export interface ProviderCredentials {
  openaiApiKey: string | undefined;
  openaiBaseUrl: string | undefined;
  openrouterApiKey: string | undefined;
  llmApiKey: string | undefined;
  llmBaseUrl: string | undefined;
  deepgramApiKey: string | undefined;
  elevenlabsApiKey: string | undefined;
  cartesiaApiKey: string | undefined;
}

export interface RuntimeSettings {
  apiUrl: string;
  tokenSecret: string;
  runtimeId: string;
  transport: "local" | "livekit";
  media: { host: string; port: number };
  livekit: { url: string; apiKey: string; apiSecret: string; agentName: string; healthPort: number } | undefined;
  telemetry: { endpoint: string; headers: Record<string, string> } | undefined;
  tools: { allowPrivateHosts: string[]; maxResponseChars: number };
  /** Where space provider keys may go although private (the SSRF guard's allow-list). */
  providers: { allowPrivateHosts: string[] };
  heartbeatIntervalMs: number;
  recording: { enabled: boolean; dir: string | undefined };
  dataDir: string;
  /** The per-session event spools (api/event-spool.ts). */
  events: { spoolDir: string; maxSpoolBytes: number };
  credentials: ProviderCredentials;
  logLevel: "debug" | "info" | "warn" | "error";
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadSettings(env: Record<string, string | undefined>): RuntimeSettings {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid voice runtime configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const tokenSecret = e.RUNTIME_TOKEN_SECRET ?? (e.RUNTIME_TOKEN_SECRET_FILE ? readFileSync(e.RUNTIME_TOKEN_SECRET_FILE, "utf8").trim() : undefined);
  if (!tokenSecret || tokenSecret.length < 32) {
    throw new ConfigError("invalid voice runtime configuration:\n  RUNTIME_TOKEN_SECRET: required (or RUNTIME_TOKEN_SECRET_FILE), at least 32 characters, the same as the Worker's");
  }
  let livekit: RuntimeSettings["livekit"];
  if (e.RUNTIME_TRANSPORT === "livekit") {
    if (!e.LIVEKIT_URL || !e.LIVEKIT_API_KEY || !e.LIVEKIT_API_SECRET) {
      throw new ConfigError("invalid voice runtime configuration:\n  RUNTIME_TRANSPORT=livekit needs LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET");
    }
    livekit = { url: e.LIVEKIT_URL, apiKey: e.LIVEKIT_API_KEY, apiSecret: e.LIVEKIT_API_SECRET, agentName: e.LIVEKIT_AGENT_NAME, healthPort: e.LIVEKIT_HEALTH_PORT };
  }
  const apiUrl = e.SPEAKNODE_API_URL.replace(/\/+$/, "");
  const dataDir = e.RUNTIME_DATA_DIR ?? join(tmpdir(), `speaknode-runtime-${createHash("sha256").update(apiUrl).digest("hex").slice(0, 12)}`);
  return {
    apiUrl,
    tokenSecret,
    runtimeId: e.RUNTIME_ID,
    transport: e.RUNTIME_TRANSPORT,
    media: { host: e.RUNTIME_MEDIA_HOST, port: e.RUNTIME_MEDIA_PORT },
    livekit,
    telemetry: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? { endpoint: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, headers: e.OTEL_EXPORTER_OTLP_HEADERS } : undefined,
    tools: { allowPrivateHosts: e.TOOL_ALLOW_PRIVATE_HOSTS, maxResponseChars: e.TOOL_MAX_RESPONSE_CHARS },
    providers: { allowPrivateHosts: e.PROVIDER_ALLOW_PRIVATE_HOSTS },
    heartbeatIntervalMs: e.HEARTBEAT_INTERVAL_MS,
    recording: { enabled: e.RECORDING_ENABLED, dir: e.RECORDINGS_DIR },
    dataDir,
    events: { spoolDir: join(dataDir, "events"), maxSpoolBytes: e.EVENT_SPOOL_MAX_BYTES },
    credentials: {
      openaiApiKey: e.OPENAI_API_KEY,
      openaiBaseUrl: e.OPENAI_BASE_URL,
      openrouterApiKey: e.OPENROUTER_API_KEY,
      llmApiKey: e.LLM_API_KEY,
      llmBaseUrl: e.LLM_BASE_URL,
      deepgramApiKey: e.DEEPGRAM_API_KEY,
      elevenlabsApiKey: e.ELEVENLABS_API_KEY,
      cartesiaApiKey: e.CARTESIA_API_KEY,
    },
    logLevel: e.LOG_LEVEL,
  };
}
