// The VoxImplant media bridge's entry point: reads its settings, serves the scenario's WebSocket
// and bridges each call into the configured sink (the voice runtime's local media endpoint, or the
// session's LiveKit room). SIGINT/SIGTERM hang up live calls and exit 0.
import { BridgeConfigError, loadBridgeSettings } from "./config.ts";
import { errorFields, log, setLogLevel } from "../log.ts";
import { localSinkFactory } from "./local-sink.ts";
import { startVoximplantBridge } from "./server.ts";

async function main(): Promise<void> {
  const settings = loadBridgeSettings(process.env);
  setLogLevel(settings.logLevel);
  // LiveKit's native module loads only when it is the sink.
  const sink =
    settings.sink.driver === "livekit"
      ? (await import("./livekit-sink.ts")).liveKitSinkFactory({ url: settings.sink.url, apiKey: settings.sink.apiKey, apiSecret: settings.sink.apiSecret })
      : localSinkFactory({ mediaUrl: settings.sink.mediaUrl, tokenSecret: settings.tokenSecret });
  // The runtime's local endpoint already sends with a lead; LiveKit's audio stream arrives in real
  // time, so the bridge keeps a small jitter cushion at each talk spurt's start.
  const pacer = settings.sink.driver === "livekit" ? { prebufferMs: 40 } : {};
  const bridge = await startVoximplantBridge({ host: settings.host, port: settings.port, tokenSecret: settings.tokenSecret, sink, pacer });
  log.info("voximplant bridge listening", { url: bridge.url, sink: settings.sink.driver });
  // The dev script and tests wait for this line on stdout.
  process.stdout.write(`speaknode voximplant bridge ready ${bridge.url}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("voximplant bridge stopping", { signal, liveCalls: bridge.metrics().calls.length });
    await bridge.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: unknown) => {
  if (err instanceof BridgeConfigError) console.error(err.message);
  else log.error("voximplant bridge failed to start", errorFields(err));
  process.exit(1);
});
