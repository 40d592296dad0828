// Registers the runtime with LiveKit as an agent worker under our agent name: the Worker's
// LiveKit media driver dispatches sessions to it explicitly.
import { fileURLToPath } from "node:url";
import { AgentServer, ServerOptions } from "@livekit/agents";
import type { RuntimeSettings } from "../../config.ts";

export async function runLiveKitWorker(settings: RuntimeSettings): Promise<void> {
  const livekit = settings.livekit;
  if (!livekit) throw new Error("the LiveKit transport needs LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET");
  const server = new AgentServer(
    new ServerOptions({
      agent: fileURLToPath(new URL("./agent.ts", import.meta.url)),
      agentName: livekit.agentName,
      wsURL: livekit.url,
      apiKey: livekit.apiKey,
      apiSecret: livekit.apiSecret,
      production: true,
    }),
  );
  await server.run();
}
