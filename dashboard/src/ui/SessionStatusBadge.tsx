import type { SessionStatus } from "../../../packages/contracts/src/session-protocol.ts";
import { statusLabel } from "./session-format.ts";

export function SessionStatusBadge({ status }: { status: SessionStatus }) {
  return <span class={`badge status-${status}`}>{statusLabel[status]}</span>;
}
