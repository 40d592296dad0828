// What a SessionRoom keeps in its SQLite (everything that must outlive an eviction) and the
// deadlines its alarm enforces.
import type { SessionStatus } from "@speaknode/contracts";

// A type, not an interface: SQL row types must be indexable.
export type Meta = {
  sessionId: string;
  status: SessionStatus;
  failureReason: string | null;
  dispatchTimeoutMs: number;
  heartbeatTimeoutMs: number;
  maxDurationMs: number;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  lastHeartbeatAt: number | null;
};

export const roomSchema = `
CREATE TABLE IF NOT EXISTS session (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  session_id TEXT NOT NULL,
  status TEXT NOT NULL,
  failure_reason TEXT,
  dispatch_timeout_ms INTEGER NOT NULL,
  heartbeat_timeout_ms INTEGER NOT NULL,
  max_duration_ms INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  last_heartbeat_at INTEGER
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  event_id TEXT UNIQUE,
  json TEXT NOT NULL
);`;

export function deadlines(meta: Meta): { at: number; reason: string }[] {
  switch (meta.status) {
    case "pending":
    case "dispatching":
      return [{ at: meta.createdAt + meta.dispatchTimeoutMs, reason: "agent did not join" }];
    case "active": {
      const startedAt = meta.startedAt ?? meta.createdAt;
      return [
        { at: (meta.lastHeartbeatAt ?? startedAt) + meta.heartbeatTimeoutMs, reason: "runtime lost" },
        { at: startedAt + meta.maxDurationMs, reason: "maximum duration reached" },
      ];
    }
    case "completed":
    case "failed":
      return [];
  }
}
