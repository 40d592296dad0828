// Liveness of a media socket, shared by the transports (every frame or pong from the peer counts as
// alive): a peer that answered nothing for a whole interval after a ping is gone, and its socket is
// terminated (the channel's close handler then ends the call as a lost line).
import type { WebSocket } from "ws";

export interface Keepalive {
  /** The peer sent something. */
  markAlive(): void;
  stop(): void;
}

/** Pings every `intervalMs` (0 turns it off). */
export function startKeepalive(socket: WebSocket, intervalMs: number): Keepalive {
  let alive = true;
  const markAlive = () => {
    alive = true;
  };
  socket.on("pong", markAlive);
  const timer =
    intervalMs > 0
      ? setInterval(() => {
          if (!alive) {
            socket.terminate();
            return;
          }
          alive = false;
          socket.ping();
        }, intervalMs)
      : null;
  return {
    markAlive,
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
