// The voice runtime's entry point: reads its settings, sets up trace export, and serves calls on
// the configured transport — the local WebSocket media endpoint (embedded default) or LiveKit —
// with the job routes (previews, greetings, analysis, agent tests) on the runtime's HTTP port.
// Stopping (SIGINT/SIGTERM) ends live calls cleanly; a crash still reports them as Failed.
import { initializeLogger } from "@livekit/agents";
import { createBackgroundSource, preloadBackgroundClips } from "./audio/background.ts";
import { ConfigError, loadSettings } from "./config.ts";
import { startCapabilityReports, startEventRecovery, startRecordingRecovery } from "./deps.ts";
import { createJobRoutes } from "./http/job-server.ts";
import { serveUnderLiveKit } from "./http/livekit-serve.ts";
import { warmTurnDetection } from "./session/turn-eot.ts";
import { errorFields, log, setLogLevel } from "./log.ts";
import { startRuntimeProcess } from "./runtime-process.ts";
import { runSession } from "./session/runner.ts";
import { localCallIo } from "./transport/local/call-io.ts";
import { startLocalMediaServer } from "./transport/local/server.ts";
import { twilioCallIo } from "./transport/twilio/call-io.ts";
import { createTwilioMediaStreams } from "./transport/twilio/server.ts";

/** The rate the Worker's local media driver announces to callers. */
const localSampleRateHz = 16_000;

async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  setLogLevel(settings.logLevel);
  initializeLogger({ pretty: false, level: settings.logLevel === "debug" ? "debug" : "warn" });
  // Recordings a runtime killed mid-call left on disk reach their sessions once those have ended
  // (whichever transport: LiveKit's job processes record into the same directory).
  const recordingRecovery = startRecordingRecovery(settings);
  // Turns, tool calls and ends that processes now gone spooled while the API was unreachable go out too.
  const eventRecovery = startEventRecovery(settings);
  // The dashboard's provider readiness and voice library read what this runtime reports.
  const capabilities = startCapabilityReports(settings);

  if (settings.transport === "livekit") return serveUnderLiveKit(settings, { recordingRecovery, eventRecovery, capabilities });

  const runtime = startRuntimeProcess(settings);
  // The end-of-turn model's load blocks the event loop for about a second: before any call, not in one.
  await warmTurnDetection();
  // Decode the bundled ambience once, so no call starts with a silent background.
  await preloadBackgroundClips(localSampleRateHz).catch((err: unknown) => log.warn("background clips not preloaded", errorFields(err)));
  // Phone calls: Twilio Media Streams on the same server (/v1/twilio/media-stream), same runner.
  const twilio = createTwilioMediaStreams({
    tokenSecret: settings.tokenSecret,
    backgroundSource: createBackgroundSource,
    onChannel: (channel) => void runtime.runSession(channel.sessionId, () => runSession(twilioCallIo(channel), runtime.deps)),
  });
  // Previews, greeting warm-up, analysis and agent tests: the same routes as under LiveKit.
  const jobRoutes = createJobRoutes(settings, runtime.deps);
  const server = await startLocalMediaServer({
    host: settings.media.host,
    port: settings.media.port,
    tokenSecret: settings.tokenSecret,
    backgroundSource: createBackgroundSource,
    onChannel: (channel) => void runtime.runSession(channel.sessionId, () => runSession(localCallIo(channel), runtime.deps)),
    onRequest: (req, res) => jobRoutes(req, res) || twilio.handleRequest(req, res),
    onUpgrade: twilio.handleUpgrade,
  });
  log.info("voice runtime listening", { transport: "local", url: server.url });
  // Publishing's pre-flight needs a report: "ready" follows the first one (or 5 s of trying).
  await Promise.race([capabilities.reportNow(), new Promise<void>((resolve) => setTimeout(resolve, 5000).unref())]);
  // The dev script and tests wait for this line on stdout.
  process.stdout.write(`speaknode voice runtime ready ${server.url}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("voice runtime stopping", { signal, liveSessions: runtime.liveSessions });
    recordingRecovery.stop();
    eventRecovery.stop();
    capabilities.stop();
    await twilio.close();
    await server.close();
    await runtime.drain(10_000);
    await runtime.shutdown();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else log.error("voice runtime failed to start", errorFields(err));
  process.exit(1);
});
