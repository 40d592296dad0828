// The voice runtime's entry point: reads its settings, sets up trace export, and serves calls on
// the configured transport — the local WebSocket media endpoint (embedded default) or LiveKit.
// Stopping (SIGINT/SIGTERM) ends live calls cleanly; a crash still reports them as Failed.
import { initializeLogger } from "@livekit/agents";
import { createBackgroundSource, preloadBackgroundClips } from "./audio/background.ts";
import { ConfigError, loadSettings } from "./config.ts";
import { runnerDeps } from "./deps.ts";
import { errorFields, log, setLogLevel } from "./log.ts";
import { runSession, type SessionOutcome } from "./session/runner.ts";
import { exporterHeaders } from "./telemetry/exporter-auth.ts";
import { startTracing } from "./telemetry/tracing.ts";
import { localCallIo } from "./transport/local/call-io.ts";
import { startLocalMediaServer } from "./transport/local/server.ts";
import { startLiveKitWorker } from "./transport/livekit/server.ts";

/** The rate the Worker's local media driver announces to callers. */
const localSampleRateHz = 16_000;

async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  setLogLevel(settings.logLevel);
  initializeLogger({ pretty: false, level: settings.logLevel === "debug" ? "debug" : "warn" });
  const tracing = settings.telemetry
    ? startTracing({
        endpoint: settings.telemetry.endpoint,
        // The Worker's /v1/traces takes our service token; other endpoints only the configured headers.
        headers: exporterHeaders({ endpoint: settings.telemetry.endpoint, apiUrl: settings.apiUrl, tokenSecret: settings.tokenSecret, runtimeId: settings.runtimeId, headers: settings.telemetry.headers }),
        resource: { "service.instance.id": settings.runtimeId },
      })
    : undefined;

  if (settings.transport === "livekit") {
    log.info("voice runtime registering with LiveKit", { agentName: settings.livekit?.agentName });
    await startLiveKitWorker(settings).done;
    return;
  }

  const deps = { ...runnerDeps(settings), telemetry: tracing ? { flush: () => tracing.forceFlush() } : undefined };
  // Decode the bundled ambience once, so no call starts with a silent background.
  await preloadBackgroundClips(localSampleRateHz).catch((err: unknown) => log.warn("background clips not preloaded", errorFields(err)));
  const live = new Map<string, Promise<SessionOutcome>>();
  const server = await startLocalMediaServer({
    host: settings.media.host,
    port: settings.media.port,
    tokenSecret: settings.tokenSecret,
    backgroundSource: createBackgroundSource,
    onChannel: (channel) => {
      const outcome = runSession(localCallIo(channel), deps).catch((err: unknown): SessionOutcome => {
        log.error("session crashed", { sessionId: channel.sessionId, ...errorFields(err) });
        return { status: "failed", reason: "runtime_error", turns: 0, usage: { prompt: 0, completion: 0 } };
      });
      live.set(channel.sessionId, outcome);
      void outcome.finally(() => live.delete(channel.sessionId));
    },
  });
  log.info("voice runtime listening", { transport: "local", url: server.url });
  // The dev script and tests wait for this line on stdout.
  process.stdout.write(`speaknode voice runtime ready ${server.url}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("voice runtime stopping", { signal, liveSessions: live.size });
    await server.close();
    await Promise.race([Promise.allSettled([...live.values()]), new Promise((r) => setTimeout(r, 10_000))]);
    await tracing?.shutdown().catch(() => {});
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  // @livekit/agents 1.9 leaves a failed TTS stream's promise unhandled; Node would exit on it and
  // take every call with it. The session already saw the error (and reports it): log and go on.
  process.on("unhandledRejection", (reason) => log.warn("unhandled rejection", errorFields(reason)));
  process.on("uncaughtException", (err) => {
    log.error("voice runtime crashed", errorFields(err));
    // Report every live session as failed before leaving, so none stays Active.
    const reports = [...live.keys()].map((sessionId) =>
      deps.api.postEvent(sessionId, `crash-${sessionId}`, { type: "error", code: "runtime_crashed", stage: "runtime", message: "the voice runtime crashed", fatal: true }).catch(() => {}),
    );
    void Promise.race([Promise.allSettled(reports), new Promise((r) => setTimeout(r, 3000))]).then(() => process.exit(1));
  });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else log.error("voice runtime failed to start", errorFields(err));
  process.exit(1);
});
