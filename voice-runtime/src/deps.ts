// What every session needs, built once per process from the runtime's settings.
import { openGreetingCache } from "./greeting/greeting-cache.ts";
import { tmpdir } from "node:os";
import { RuntimeApi } from "./api/client.ts";
import { buildCapabilities, reportingRuntimeId, startCapabilitiesReporter, type CapabilitiesReporter } from "./capabilities/report.ts";
import { EventSpool } from "./api/event-spool.ts";
import type { RuntimeSettings } from "./config.ts";
import { RecordingSweeper } from "./recording/sweeper.ts";
import { ProviderRegistry, type ProviderOverrides } from "./providers/registry.ts";
import type { RunnerDeps } from "./session/runner.ts";
import { createHttpGuard } from "./tools/http-guard.ts";

const runtimeApi = (settings: RuntimeSettings) => new RuntimeApi({ baseUrl: settings.apiUrl, tokenSecret: settings.tokenSecret, runtimeId: settings.runtimeId });
const eventSpool = (settings: RuntimeSettings, api: RuntimeApi) => new EventSpool({ dir: settings.events.spoolDir, api, maxSpoolBytes: settings.events.maxSpoolBytes });

export function runnerDeps(settings: RuntimeSettings, overrides?: ProviderOverrides): RunnerDeps {
  const api = runtimeApi(settings);
  return {
    api,
    events: eventSpool(settings, api),
    providers: new ProviderRegistry(settings.credentials, overrides, { allowPrivateHosts: settings.providers.allowPrivateHosts }),
    guard: createHttpGuard({ allowPrivateHosts: settings.tools.allowPrivateHosts }),
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    maxResponseChars: settings.tools.maxResponseChars,
    recording: settings.recording,
    greetings: openGreetingCache(settings),
  };
}

/**
 * Delivers the event spools that runtime processes which are gone left behind (this runtime before
 * a restart, a LiveKit job process that died): now, and every minute while this process runs.
 */
export function startEventRecovery(settings: RuntimeSettings): { stop(): void } {
  return eventSpool(settings, runtimeApi(settings)).startRecovery();
}

/**
 * Delivers the recordings that runtime processes which are gone left on disk (killed mid-call),
 * once their sessions have ended: now, and every minute while this process runs.
 */
export function startRecordingRecovery(settings: RuntimeSettings): { stop(): void } {
  const sweeper = new RecordingSweeper({ api: runtimeApi(settings), dir: settings.recording.dir ?? tmpdir() });
  sweeper.start();
  return sweeper;
}

/** Reports what this runtime can run (providers, engines, voices) now and every five minutes. */
export function startCapabilityReports(settings: RuntimeSettings): CapabilitiesReporter {
  const runtimeId = reportingRuntimeId(settings.runtimeId);
  return startCapabilitiesReporter({ api: runtimeApi(settings), build: () => buildCapabilities({ runtimeId, credentials: settings.credentials }) });
}
