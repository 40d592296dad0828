// Small formatters for the sessions pages: durations, offsets into a recording, latencies, JSON.
import type { SessionStatus } from "../../../packages/contracts/src/session-protocol.ts";

/** `m:ss`, or `h:mm:ss` from an hour on; an em dash for unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return "—";
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${ms} ms`;
}

/** Pretty JSON for the tool-call and error panels (undefined shows as nothing). */
export function prettyJson(value: unknown): string {
  if (value === undefined) return "";
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

export const statusLabel: Record<SessionStatus, string> = {
  pending: "Pending",
  dispatching: "Dispatching",
  active: "Active",
  completed: "Completed",
  failed: "Failed",
};
