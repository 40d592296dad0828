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

/**
 * Starts the agent worker. `production` (the default) keeps warm job processes and serves the
 * health check on 8081; tests turn it off (no idle processes, an ephemeral health port).
 */
export function startLiveKitWorker(settings: RuntimeSettings, opts: { production?: boolean } = {}): LiveKitWorker {
  const livekit = settings.livekit;
  if (!livekit) throw new Error("the LiveKit transport needs LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET");
  const server = new AgentServer(
    new ServerOptions({
      agent: fileURLToPath(new URL("./agent.ts", import.meta.url)),
      agentName: livekit.agentName,
      wsURL: livekit.url,
      apiKey: livekit.apiKey,
      apiSecret: livekit.apiSecret,
      production: opts.production ?? true,
    }),
  );
  return { server, done: server.run(), close: () => server.close() };
}
