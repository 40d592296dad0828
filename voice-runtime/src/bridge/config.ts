// The bridge's settings, read from the environment once, here.
import { z } from "zod";

const Env = z
  .object({
    BRIDGE_PORT: z.coerce.number().int().min(0).max(65535).default(8792),
    BRIDGE_HOST: z.string().min(1).default("127.0.0.1"),
    RUNTIME_TOKEN_SECRET: z.string().min(32, "RUNTIME_TOKEN_SECRET must be at least 32 characters"),
    /** The voice runtime's local media endpoint (ws://…/v1/media), for MEDIA_DRIVER=local. */
    RUNTIME_MEDIA_URL: z.url({ protocol: /^wss?$/ }).default("ws://127.0.0.1:8790/v1/media"),
    MEDIA_DRIVER: z.enum(["local", "livekit"]).default("local"),
    LIVEKIT_URL: z.url({ protocol: /^(wss?|https?)$/ }).optional(),
    LIVEKIT_API_KEY: z.string().min(1).optional(),
    LIVEKIT_API_SECRET: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  })
  .refine((env) => env.MEDIA_DRIVER !== "livekit" || (env.LIVEKIT_URL && env.LIVEKIT_API_KEY && env.LIVEKIT_API_SECRET), {
    message: "MEDIA_DRIVER=livekit needs LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET",
    path: ["MEDIA_DRIVER"],
  });

export interface BridgeSettings {
  host: string;
  port: number;
  tokenSecret: string;
  logLevel: "debug" | "info" | "warn" | "error";
  sink: { driver: "local"; mediaUrl: string } | { driver: "livekit"; url: string; apiKey: string; apiSecret: string };
}

export class BridgeConfigError extends Error {}

export function loadBridgeSettings(env: Record<string, string | undefined>): BridgeSettings {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".") || "env"}: ${issue.message}`);
    throw new BridgeConfigError(`voximplant bridge: bad configuration\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    host: e.BRIDGE_HOST,
    port: e.BRIDGE_PORT,
    tokenSecret: e.RUNTIME_TOKEN_SECRET,
    logLevel: e.LOG_LEVEL,
    sink:
      e.MEDIA_DRIVER === "livekit"
        ? { driver: "livekit", url: e.LIVEKIT_URL!, apiKey: e.LIVEKIT_API_KEY!, apiSecret: e.LIVEKIT_API_SECRET! }
        : { driver: "local", mediaUrl: e.RUNTIME_MEDIA_URL },
  };
}
