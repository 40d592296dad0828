// Registers the runtime with LiveKit as an agent worker under our agent name: the Worker's
// LiveKit media driver dispatches sessions to it explicitly (room + metadata with the session id).
import { fileURLToPath } from "node:url";
import { AgentServer, ServerOptions } from "@livekit/agents";
import type { RuntimeSettings } from "../../config.ts";

export interface LiveKitWorker {
  server: AgentServer;
  /** Settles when the worker stops. */
  done: Promise<void>;
  close(): Promise<void>;
}

export interface LiveKitWorkerOptions {
  /** Warm job processes and the health check on LIVEKIT_HEALTH_PORT (default true); tests turn it off. */
  production?: boolean;
  /**
   * Failed connection attempts in a row before `done` rejects. Default: never give up. The library's
   * own default (10, about 80 s) would end the process while LiveKit restarts, and with it the
   * runtime's HTTP routes, which do not need LiveKit; attempts back off to one every 10 s.
   */
  maxRetry?: number;
}

/**
 * Starts the agent worker. `production` (the default) keeps warm job processes and serves the
 * health check on the configured port; tests turn it off (no idle processes, an ephemeral health port).
 */
export function startLiveKitWorker(settings: RuntimeSettings, opts: LiveKitWorkerOptions = {}): LiveKitWorker {
  const livekit = settings.livekit;
  if (!livekit) throw new Error("the LiveKit transport needs LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET");
  const production = opts.production ?? true;
  const server = new AgentServer(
    new ServerOptions({
      agent: fileURLToPath(new URL("./agent.ts", import.meta.url)),
      agentName: livekit.agentName,
      wsURL: livekit.url,
      apiKey: livekit.apiKey,
      apiSecret: livekit.apiSecret,
      production,
      maxRetry: opts.maxRetry ?? Number.POSITIVE_INFINITY,
      // Off production the library picks an ephemeral port (it reads 0 as "its default").
      ...(production ? { port: livekit.healthPort } : {}),
    }),
  );
  return { server, done: server.run(), close: () => server.close() };
}
