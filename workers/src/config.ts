// The Worker's configuration, read from its env bindings in this one place and validated.
// Workers code never reads process.env.
import { z } from "zod";
import { DatabaseEnv } from "@speaknode/db";
import { decodeSecretsKey } from "./lib/secrets.ts";

const bool = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

const EnvSchema = z.object({
  // DATABASE_URL and DB_LOCAL_PROXY: one definition, shared with the Durable Objects.
  ...DatabaseEnv.shape,
  OIDC_ISSUER: z.url(),
  OIDC_AUDIENCE: z.string().min(1).default("speaknode"),
  // Keycloak's `azp`: the clients whose tokens act on the API (comma-separated; empty = any client of the realm).
  OIDC_AUTHORIZED_PARTIES: z.string().optional().transform((v) => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean)),
  OIDC_JWKS_URL: z.url().optional(),
  OIDC_ADMIN_ROLE: z.string().min(1).default("platform-admin"),
  OIDC_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
  DEV_TOOLS_ENABLED: bool,
  DEV_OIDC_PRIVATE_JWK: z
    .string()
    .refine((v) => {
      try {
        const jwk: unknown = JSON.parse(v);
        return typeof jwk === "object" && jwk !== null && "kty" in jwk && "d" in jwk;
      } catch {
        return false;
      }
    }, "must be a private JWK as JSON")
    .optional(),
  PUBLIC_URL: z.url().optional(),
  EMAIL_PROVIDER: z.enum(["outbox", "resend"]).default("outbox"),
  EMAIL_FROM: z.string().default("Speaknode <no-reply@speaknode.local>"),
  RESEND_API_KEY: z.string().optional(),
  /** How long one email delivery attempt may take before it is aborted and retried later. */
  EMAIL_ATTEMPT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** 32 random bytes, base64: encrypts secrets at rest (tool secret headers). */
  SECRETS_KEY: z.string().refine((v) => decodeSecretsKey(v) !== null, "must be 32 bytes, base64 (openssl rand -base64 32)"),
  /** HS256 secret shared with the voice runtime: signs media and event-subscriber tokens. */
  RUNTIME_TOKEN_SECRET: z.string().min(32, "must be at least 32 characters"),
  /** `local` (embedded default) or `livekit` (production; needs the LIVEKIT_* settings). */
  MEDIA_DRIVER: z.enum(["local", "livekit"]).default("local"),
  /** The LiveKit server clients connect to (wss://…); its https origin serves the server API. */
  LIVEKIT_URL: z.url({ protocol: /^wss?$/ }).optional(),
  LIVEKIT_API_KEY: z.string().optional(),
  LIVEKIT_API_SECRET: z.string().optional(),
  /** The agentName the voice runtime registers with LiveKit; explicit dispatches target it. */
  LIVEKIT_AGENT_NAME: z.string().min(1).default("speaknode-agent"),
  /** How long LiveKit keeps a session's room when nobody is in it. */
  LIVEKIT_EMPTY_TIMEOUT_S: z.coerce.number().int().min(10).max(86_400).default(300),
  /** The local voice runtime's WebSocket media endpoint. */
  RUNTIME_MEDIA_URL: z.url().default("ws://127.0.0.1:8790/v1/media"),
  /** The voice runtime's HTTP server (voice previews); default: RUNTIME_MEDIA_URL's host over http(s). */
  RUNTIME_HTTP_URL: z.url({ protocol: /^https?$/ }).optional().or(z.literal("").transform(() => undefined)),
  DISPATCH_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(20_000),
  HEARTBEAT_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(20_000),
  MAX_SESSION_MS: z.coerce.number().int().min(10_000).max(4 * 3_600_000).default(3_600_000),
  RATE_LIMIT_IP_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(10),
  RATE_LIMIT_AGENT_PER_MIN: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** Whether CF-Connecting-IP names the client (Cloudflare sets it and replaces a client's own);
   *  default: on, except on a development platform, where wrangler dev passes a client's header
   *  through and only the loopback peer is known. */
  TRUST_CF_CONNECTING_IP: z.enum(["true", "false", "1", "0", ""]).optional(),
  INVITATION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(168),
  /** What the dashboard's index.html is templated with (routes/widget-assets.ts); "" = the default. */
  DASHBOARD_OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional().or(z.literal("").transform(() => undefined)),
  DASHBOARD_OIDC_CLIENT_ID: z.string().trim().max(255).optional().transform((v) => v || undefined),
  DASHBOARD_API_BASE: z.url({ protocol: /^https?$/ }).optional().or(z.literal("").transform(() => undefined)),
  /** Langfuse (optional): LLM spans are forwarded there when all three are set. */
  LANGFUSE_BASE_URL: z.url({ protocol: /^https?$/ }).optional().or(z.literal("").transform(() => undefined)),
  LANGFUSE_PUBLIC_KEY: z.string().trim().optional().transform((v) => v || undefined),
  LANGFUSE_SECRET_KEY: z.string().trim().optional().transform((v) => v || undefined),
  /** Optional ClickHouse sink for daily analytics (analytics/sink.ts); off when unset. */
  CLICKHOUSE_URL: z.url({ protocol: /^https?$/ }).optional().or(z.literal("").transform(() => undefined)),
  CLICKHOUSE_USER: z.string().min(1).default("default"),
  CLICKHOUSE_PASSWORD: z.string().default(""),
  /** Twilio's REST API. `npm run dev` and the tests point it at the Twilio simulator (simulators/twilio). */
  TWILIO_API_BASE_URL: z.url({ protocol: /^https?$/ }).default("https://api.twilio.com"),
  /** The voice runtime's Twilio Media Streams endpoint that TwiML `<Connect><Stream>` names (wss:// in
   *  production: Twilio connects to it). Default: the local runtime's, next to RUNTIME_MEDIA_URL. */
  TWILIO_MEDIA_STREAM_URL: z.url({ protocol: /^wss?$/ }).optional(),
  /** How long a Twilio REST call may take before it is aborted. */
  TWILIO_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** LiveKit's SIP endpoint host (e.g. `abc123.sip.livekit.cloud`): with MEDIA_DRIVER=livekit, Twilio
   *  inbound calls are answered with `<Dial><Sip>` into a LiveKit room instead of Media Streams. */
  LIVEKIT_SIP_HOST: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, "must be a host name (and optional port), e.g. abc123.sip.livekit.cloud")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** VoxImplant's Management API. `npm run dev` and the tests point it at the VoxImplant simulator. */
  VOXIMPLANT_API_BASE_URL: z.url({ protocol: /^https?$/ }).default("https://api.voximplant.com"),
  /** The VoxImplant media bridge's WebSocket endpoint the VoxEngine scenario connects calls to (wss:// in
   *  production). Default: the local bridge, ws://127.0.0.1:8792/v1/voximplant/media. */
  VOXIMPLANT_BRIDGE_URL: z.url({ protocol: /^wss?$/ }).default("ws://127.0.0.1:8792/v1/voximplant/media"),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain identifier").default("default"),
  /** Billing: `ledger` (the local usage ledger and its statements) or `lago` (usage events, invoices
   *  and payments through Lago; the local ledger still counts minutes for enforcement). */
  BILLING_DRIVER: z.enum(["ledger", "lago"]).default("ledger"),
  /** The plan code of spaces that never chose one. */
  BILLING_DEFAULT_PLAN: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,59}$/, "must be a plan code").default("free"),
  /** Lago's API (https://api.getlago.com, or a self-hosted Lago's) and its API key. */
  LAGO_API_URL: z.url({ protocol: /^https?$/ }).default("https://api.getlago.com"),
  LAGO_API_KEY: z.string().trim().optional().transform((v) => v || undefined),
  /** How Lago signs its webhooks (the organization's setting): `hmac` with LAGO_WEBHOOK_HMAC_KEY, or
   *  `jwt` (RS256) checked with LAGO_WEBHOOK_PUBLIC_KEY (Lago's GET /webhooks/public_key, base64). */
  LAGO_WEBHOOK_SIGNATURE: z.enum(["hmac", "jwt"]).default("hmac"),
  LAGO_WEBHOOK_HMAC_KEY: z.string().trim().optional().transform((v) => v || undefined),
  LAGO_WEBHOOK_PUBLIC_KEY: z.string().trim().optional().transform((v) => v || undefined),
  /** The billable metric usage events are sent to (sum of billable seconds). */
  LAGO_METRIC_CODE: z.string().regex(/^[a-z0-9_]{1,60}$/).default("voice_seconds"),
  LAGO_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Outbound webhooks: how long one delivery attempt may take before it is aborted (and retried). */
  WEBHOOK_ATTEMPT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(15_000),
  /** Days an endpoint may fail every attempt before it is disabled and its Owners are emailed. */
  WEBHOOK_DISABLE_AFTER_DAYS: z.coerce.number().min(0.001).max(60).default(5),
});

export type Config = {
  databaseUrl: string;
  dbLocalProxy: string | undefined;
  oidc: {
    issuer: string;
    audience: string;
    /** Client ids a token's `azp` must be one of; empty accepts any client of the issuer. */
    authorizedParties: string[];
    jwksUrl: string | undefined;
    adminRole: string;
    clockToleranceS: number;
  };
  /** The development OIDC issuer and mail viewer: embedded default only, never in production. */
  devTools: { enabled: false } | { enabled: true; privateJwk: string };
  publicUrl: string | undefined;
  email: { provider: "outbox" } | { provider: "resend"; apiKey: string; from: string };
  emailFrom: string;
  emailAttemptTimeoutMs: number;
  invitationTtlHours: number;
  secretsKey: string;
  runtime: {
    tokenSecret: string;
    mediaDriver: "local" | "livekit";
    mediaUrl: string;
    /** The runtime's HTTP origin (no trailing slash), e.g. http://127.0.0.1:8790. */
    httpUrl: string;
    /** Set exactly when mediaDriver is `livekit`. */
    livekit: { url: string; apiKey: string; apiSecret: string; agentName: string; emptyTimeoutS: number } | undefined;
  };
  sessions: { dispatchTimeoutMs: number; heartbeatTimeoutMs: number; maxDurationMs: number };
  /** `clientAddress`: where the per-address limit of public dispatch learns the client's address
   *  (sessions/client-address.ts): the platform's CF-Connecting-IP, or the loopback peer of a
   *  development Worker (wrangler dev listens on 127.0.0.1 only). */
  publicRateLimits: { perIpPerMin: number; perAgentPerMin: number; clientAddress: "cf-connecting-ip" | "loopback-peer" };
  /** Where ingested spans go besides Postgres; Langfuse is off unless configured. */
  telemetry: { langfuse: { baseUrl: string; publicKey: string; secretKey: string } | undefined };
  /** The dashboard's runtime settings, written into its index.html. */
  dashboard: {
    /** The issuer the dashboard signs in with (no trailing slash); defaults to OIDC_ISSUER. */
    oidcIssuer: string;
    oidcClientId: string;
    /** Where the dashboard calls the API; "" = the Worker's own origin. */
    apiBase: string;
  };
  /** Telephony: the providers' APIs (configuration only: a space never sets them) and where calls'
   *  media goes. */
  telephony: {
    twilioApiBaseUrl: string;
    mediaStreamUrl: string;
    timeoutMs: number;
    /** Set with the LiveKit media driver and LIVEKIT_SIP_HOST: Twilio calls enter LiveKit over SIP. */
    livekitSipHost: string | undefined;
    voximplantApiBaseUrl: string;
    voximplantBridgeUrl: string;
  };
  /** Where refreshed analytics are also sent; undefined = Postgres only. */
  clickhouse: { url: string; user: string; password: string; database: string } | undefined;
  /** Outbound webhooks (webhooks/): the attempt deadline, when a failing endpoint is disabled, and
   *  whether endpoints may be loopback / plain http (dev tools only: the local /dev/webhook-inbox). */
  webhooks: { attemptTimeoutMs: number; disableAfterMs: number; allowLoopback: boolean };
  billing: {
    defaultPlan: string;
    /** Lago's settings when BILLING_DRIVER=lago; the local ledger needs none. */
    driver: { name: "ledger" } | { name: "lago"; lago: LagoConfig };
  };
};

export interface LagoConfig {
  apiUrl: string;
  apiKey: string;
  metricCode: string;
  timeoutMs: number;
  webhook: { scheme: "hmac"; hmacKey: string } | { scheme: "jwt"; publicKey: string };
}

/** The runtime serves Twilio Media Streams beside its local media endpoint (same host and port). */
export const twilioMediaStreamPath = "/v1/twilio/media-stream";

function defaultMediaStreamUrl(runtimeMediaUrl: string): string {
  const url = new URL(runtimeMediaUrl);
  url.pathname = twilioMediaStreamPath;
  url.search = "";
  return url.toString();
}

/** ws://host:port/… → http://host:port (wss → https): the media sockets and the HTTP API share a server. */
function defaultRuntimeHttpUrl(runtimeMediaUrl: string): string {
  const url = new URL(runtimeMediaUrl);
  const protocol = url.protocol === "wss:" || url.protocol === "https:" ? "https:" : "http:";
  return `${protocol}//${url.host}`;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The settings this file reads, as they arrive: secrets and vars are strings, any of them unset. */
export type ConfigVars = { [K in keyof z.input<typeof EnvSchema>]?: string };

const cache = new WeakMap<object, Config>();

export function readConfig(env: ConfigVars): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid Worker configuration: ${fields}`);
  }
  const e = parsed.data;
  if (e.DEV_TOOLS_ENABLED && !e.DEV_OIDC_PRIVATE_JWK) throw new ConfigError("DEV_TOOLS_ENABLED needs DEV_OIDC_PRIVATE_JWK");
  if (e.DEV_TOOLS_ENABLED && !/\/dev\/oidc$/.test(e.OIDC_ISSUER)) throw new ConfigError("with DEV_TOOLS_ENABLED, OIDC_ISSUER must be <this Worker's URL>/dev/oidc");
  if (e.MEDIA_DRIVER === "livekit" && !(e.LIVEKIT_URL && e.LIVEKIT_API_KEY && e.LIVEKIT_API_SECRET)) {
    throw new ConfigError("MEDIA_DRIVER=livekit needs LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET");
  }
  if (e.BILLING_DRIVER === "lago") {
    if (!e.LAGO_API_KEY) throw new ConfigError("BILLING_DRIVER=lago needs LAGO_API_KEY");
    if (e.LAGO_WEBHOOK_SIGNATURE === "hmac" && !e.LAGO_WEBHOOK_HMAC_KEY) throw new ConfigError("LAGO_WEBHOOK_SIGNATURE=hmac needs LAGO_WEBHOOK_HMAC_KEY");
    if (e.LAGO_WEBHOOK_SIGNATURE === "jwt" && !e.LAGO_WEBHOOK_PUBLIC_KEY) throw new ConfigError("LAGO_WEBHOOK_SIGNATURE=jwt needs LAGO_WEBHOOK_PUBLIC_KEY");
  }
  if (e.EMAIL_PROVIDER === "resend" && !e.RESEND_API_KEY) throw new ConfigError("EMAIL_PROVIDER=resend needs RESEND_API_KEY");
  const langfuseSet = [e.LANGFUSE_BASE_URL, e.LANGFUSE_PUBLIC_KEY, e.LANGFUSE_SECRET_KEY].filter((v) => v !== undefined).length;
  if (langfuseSet > 0 && langfuseSet < 3) throw new ConfigError("Langfuse forwarding needs LANGFUSE_BASE_URL, LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY together");
  const trustCfConnectingIp = e.TRUST_CF_CONNECTING_IP === undefined || e.TRUST_CF_CONNECTING_IP === "" ? !e.DEV_TOOLS_ENABLED : e.TRUST_CF_CONNECTING_IP === "true" || e.TRUST_CF_CONNECTING_IP === "1";
  // Without dev tools the Worker is reachable from anywhere: a loopback-peer key would put every
  // client in one bucket, and one abuser would lock everyone out.
  if (!trustCfConnectingIp && !e.DEV_TOOLS_ENABLED) throw new ConfigError("TRUST_CF_CONNECTING_IP=false is for development only (DEV_TOOLS_ENABLED): in production the per-address limit needs the platform's CF-Connecting-IP");
  const config: Config = {
    databaseUrl: e.DATABASE_URL,
    dbLocalProxy: e.DB_LOCAL_PROXY,
    oidc: {
      issuer: e.OIDC_ISSUER,
      audience: e.OIDC_AUDIENCE,
      authorizedParties: e.OIDC_AUTHORIZED_PARTIES,
      jwksUrl: e.OIDC_JWKS_URL,
      adminRole: e.OIDC_ADMIN_ROLE,
      clockToleranceS: e.OIDC_CLOCK_TOLERANCE_S,
    },
    devTools: e.DEV_TOOLS_ENABLED ? { enabled: true, privateJwk: e.DEV_OIDC_PRIVATE_JWK ?? "" } : { enabled: false },
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ""),
    email:
      e.EMAIL_PROVIDER === "resend"
        ? { provider: "resend", apiKey: e.RESEND_API_KEY ?? "", from: e.EMAIL_FROM }
        : { provider: "outbox" },
    emailFrom: e.EMAIL_FROM,
    emailAttemptTimeoutMs: e.EMAIL_ATTEMPT_TIMEOUT_MS,
    invitationTtlHours: e.INVITATION_TTL_HOURS,
    secretsKey: e.SECRETS_KEY,
    runtime: {
      tokenSecret: e.RUNTIME_TOKEN_SECRET,
      mediaDriver: e.MEDIA_DRIVER,
      mediaUrl: e.RUNTIME_MEDIA_URL,
      httpUrl: (e.RUNTIME_HTTP_URL ?? defaultRuntimeHttpUrl(e.RUNTIME_MEDIA_URL)).replace(/\/+$/, ""),
      livekit:
        e.MEDIA_DRIVER === "livekit"
          ? { url: e.LIVEKIT_URL ?? "", apiKey: e.LIVEKIT_API_KEY ?? "", apiSecret: e.LIVEKIT_API_SECRET ?? "", agentName: e.LIVEKIT_AGENT_NAME, emptyTimeoutS: e.LIVEKIT_EMPTY_TIMEOUT_S }
          : undefined,
    },
    sessions: { dispatchTimeoutMs: e.DISPATCH_TIMEOUT_MS, heartbeatTimeoutMs: e.HEARTBEAT_TIMEOUT_MS, maxDurationMs: e.MAX_SESSION_MS },
    publicRateLimits: { perIpPerMin: e.RATE_LIMIT_IP_PER_MIN, perAgentPerMin: e.RATE_LIMIT_AGENT_PER_MIN, clientAddress: trustCfConnectingIp ? "cf-connecting-ip" : "loopback-peer" },
    telemetry: {
      langfuse: e.LANGFUSE_BASE_URL && e.LANGFUSE_PUBLIC_KEY && e.LANGFUSE_SECRET_KEY ? { baseUrl: e.LANGFUSE_BASE_URL.replace(/\/+$/, ""), publicKey: e.LANGFUSE_PUBLIC_KEY, secretKey: e.LANGFUSE_SECRET_KEY } : undefined,
    },
    dashboard: {
      oidcIssuer: (e.DASHBOARD_OIDC_ISSUER ?? e.OIDC_ISSUER).replace(/\/+$/, ""),
      oidcClientId: e.DASHBOARD_OIDC_CLIENT_ID ?? "speaknode-dashboard",
      apiBase: (e.DASHBOARD_API_BASE ?? "").replace(/\/+$/, ""),
    },
    telephony: {
      twilioApiBaseUrl: e.TWILIO_API_BASE_URL.replace(/\/+$/, ""),
      mediaStreamUrl: e.TWILIO_MEDIA_STREAM_URL ?? defaultMediaStreamUrl(e.RUNTIME_MEDIA_URL),
      timeoutMs: e.TWILIO_TIMEOUT_MS,
      livekitSipHost: e.LIVEKIT_SIP_HOST,
      voximplantApiBaseUrl: e.VOXIMPLANT_API_BASE_URL.replace(/\/+$/, ""),
      voximplantBridgeUrl: e.VOXIMPLANT_BRIDGE_URL,
    },
    clickhouse: e.CLICKHOUSE_URL ? { url: e.CLICKHOUSE_URL, user: e.CLICKHOUSE_USER, password: e.CLICKHOUSE_PASSWORD, database: e.CLICKHOUSE_DATABASE } : undefined,
    webhooks: { attemptTimeoutMs: e.WEBHOOK_ATTEMPT_TIMEOUT_MS, disableAfterMs: Math.round(e.WEBHOOK_DISABLE_AFTER_DAYS * 86_400_000), allowLoopback: e.DEV_TOOLS_ENABLED },
    billing: {
      defaultPlan: e.BILLING_DEFAULT_PLAN,
      driver:
        e.BILLING_DRIVER === "lago"
          ? {
              name: "lago",
              lago: {
                apiUrl: e.LAGO_API_URL.replace(/\/+$/, ""),
                apiKey: e.LAGO_API_KEY ?? "",
                metricCode: e.LAGO_METRIC_CODE,
                timeoutMs: e.LAGO_TIMEOUT_MS,
                webhook: e.LAGO_WEBHOOK_SIGNATURE === "jwt" ? { scheme: "jwt", publicKey: e.LAGO_WEBHOOK_PUBLIC_KEY ?? "" } : { scheme: "hmac", hmacKey: e.LAGO_WEBHOOK_HMAC_KEY ?? "" },
              },
            }
          : { name: "ledger" },
    },
  };
  cache.set(env, config);
  return config;
}
