// What the call controller needs from a media transport (local WebSocket or LiveKit), so the
// rest of the widget does not care which driver the server picked.
import type { WidgetErrorCode } from "../../shared/types.ts";

export interface TransportEvents {
  /** The agent's voice became audible / fell silent (drives `speaking`). */
  agentAudible(audible: boolean): void;
  /** The server dropped the agent's buffered speech (the caller barged in). */
  interrupted(): void;
  /** The call ended normally (the agent hung up, or the server ended it). */
  ended(): void;
  /** The call broke. */
  failed(code: WidgetErrorCode): void;
}

export interface MediaTransport {
  setMuted(muted: boolean): void;
  /** Hang up (tells the server when the protocol can) and release audio resources. */
  close(): void;
}
