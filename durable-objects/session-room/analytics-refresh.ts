// A session that ended changes its (space, day) analytics: the room asks the Worker's telemetry
// consumer to refresh them with a message on the telemetry queue (the consumer refreshes each
// (space, day) of a batch once, so sessions ending by the hundred do not each recompute a day).
import { telemetryProtocolVersion, telemetryQueueBinding, type TelemetryMessage } from "@speaknode/contracts";
import type { ObjectEnv } from "../shared/env.ts";

/**
 * Never throws: it runs in `waitUntil` after the session's row was written, and a refresh that
 * was not queued is caught up by the Worker's scheduled refresh.
 */
export async function requestAnalyticsRefresh(env: ObjectEnv, sessionIds: string[]): Promise<void> {
  try {
    const queue = env[telemetryQueueBinding] as Queue<TelemetryMessage> | undefined;
    if (!queue || typeof queue.send !== "function") throw new Error(`the ${telemetryQueueBinding} queue binding is missing`);
    await queue.send({ protocolVersion: telemetryProtocolVersion, type: "analytics.refresh", sessionIds }, { contentType: "json" });
  } catch (err) {
    console.error(JSON.stringify({ level: "error", message: "analytics refresh after session end not queued", sessions: sessionIds.length, errorName: err instanceof Error ? err.name : typeof err }));
  }
}
