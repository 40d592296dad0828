// The runtime's main process under `transport=livekit`. Calls run in the job processes LiveKit's
// agent server forks (each sets up its own trace export and crash reporting: transport/livekit/job.ts);
// this process registers with LiveKit and serves the job routes the Worker calls outside a call
// (previews, greeting warm-up, analysis, agent tests) with `GET /healthz` on RUNTIME_MEDIA_HOST:PORT.
// The HTTP routes need no LiveKit: they answer while LiveKit is unreachable, and the worker keeps
// retrying it instead of ending the process.
import type { RuntimeSettings } from "../config.ts";
import { errorFields, log } from "../log.ts";
import { startRuntimeProcess } from "../runtime-process.ts";
import { warmTurnDetection } from "../session/turn-eot.ts";
import { startLiveKitWorker } from "../transport/livekit/server.ts";
import { createJobRoutes, startJobHttpServer } from "./job-server.ts";

/** How long a stop waits for LiveKit's running jobs, as the local transport waits for its calls. */
const drainTimeoutMs = 10_000;

export interface Background {
  recordingRecovery: { stop(): void };
  eventRecovery: { stop(): void };
  capabilities: { stop(): void; reportNow(): Promise<void> };
}

export async function serveUnderLiveKit(settings: RuntimeSettings, background: Background): Promise<void> {
  // Agent tests run here, in this process: the same provider registry, guard and crash reporting as sessions.
  const runtime = startRuntimeProcess(settings);
  // Audio agent tests detect turns with the end-of-turn model: load it (about a second of blocked
  // event loop) before serving, not during the first test.
  await warmTurnDetection();
  const http = await startJobHttpServer({
    host: settings.media.host,
    port: settings.media.port,
    onRequest: createJobRoutes(settings, runtime.deps),
    health: () => ({ transport: "livekit" }),
  });

  log.info("voice runtime registering with LiveKit", { agentName: settings.livekit?.agentName });
  const worker = startLiveKitWorker(settings);

  let stopping = false;
  const stop = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    log.info("voice runtime stopping", { reason });
    background.recordingRecovery.stop();
    background.eventRecovery.stop();
    background.capabilities.stop();
    await http.close();
    // Running jobs finish their calls (up to the timeout) before their processes are closed.
    await worker.server.drain(drainTimeoutMs).catch((err: unknown) => log.warn("LiveKit jobs not drained", errorFields(err)));
    await worker.close().catch((err: unknown) => log.warn("LiveKit worker did not close cleanly", errorFields(err)));
    await runtime.shutdown();
    process.exit(exitCode);
  };
  // The worker retries an unreachable LiveKit forever; it only ends on its own for something that
  // will not heal by waiting, and without it this runtime takes no calls: exit so it is restarted.
  worker.done.then(
    () => void stop("LiveKit worker stopped", stopping ? 0 : 1),
    (err: unknown) => {
      log.error("LiveKit worker failed", errorFields(err));
      void stop("LiveKit worker failed", 1);
    },
  );
  process.on("SIGINT", () => void stop("SIGINT", 0));
  process.on("SIGTERM", () => void stop("SIGTERM", 0));

  // Publishing's pre-flight needs a report: "ready" follows the first one (or 5 s of trying).
  await Promise.race([background.capabilities.reportNow(), new Promise<void>((resolve) => setTimeout(resolve, 5000).unref())]);
  // Scripts and tests wait for this line on stdout; under LiveKit it names the HTTP server.
  process.stdout.write(`speaknode voice runtime ready ${http.url}\n`);
}
