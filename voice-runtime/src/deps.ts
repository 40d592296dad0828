// What every session needs, built once per process from the runtime's settings.
import { RuntimeApi } from "./api/client.ts";
import type { RuntimeSettings } from "./config.ts";
import { ProviderRegistry, type ProviderOverrides } from "./providers/registry.ts";
import type { RunnerDeps } from "./session/runner.ts";
import { createHttpGuard } from "./tools/http-guard.ts";

export function runnerDeps(settings: RuntimeSettings, overrides?: ProviderOverrides): RunnerDeps {
  return {
    api: new RuntimeApi({ baseUrl: settings.apiUrl, tokenSecret: settings.tokenSecret, runtimeId: settings.runtimeId }),
    providers: new ProviderRegistry(settings.credentials, overrides),
    guard: createHttpGuard({ allowPrivateHosts: settings.tools.allowPrivateHosts }),
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    maxResponseChars: settings.tools.maxResponseChars,
    recording: settings.recording,
  };
}
