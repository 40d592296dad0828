import { EventEmitter } from "node:events";
import type { WebSocket } from "ws";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startKeepalive } from "./keepalive.ts";

class FakeSocket extends EventEmitter {
  pings = 0;
  terminated = false;
  ping() {
    this.pings++;
  }
  terminate() {
    this.terminated = true;
  }
}

afterEach(() => vi.useRealTimers());

describe("media socket keepalive", () => {
  it("terminates a peer that answers no ping for a whole interval", () => {
    vi.useFakeTimers();
    const socket = new FakeSocket();
    startKeepalive(socket as unknown as WebSocket, 1000);
    vi.advanceTimersByTime(1000);
    expect(socket.pings).toBe(1);
    expect(socket.terminated).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(socket.terminated).toBe(true);
  });

  it("keeps a peer that answers pongs or sends frames", () => {
    vi.useFakeTimers();
    const socket = new FakeSocket();
    const keepalive = startKeepalive(socket as unknown as WebSocket, 1000);
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(1000);
      if (i % 2 === 0) socket.emit("pong");
      else keepalive.markAlive();
    }
    expect(socket.terminated).toBe(false);
    keepalive.stop();
    vi.advanceTimersByTime(5000);
    expect(socket.pings).toBe(5);
  });

  it("does nothing with an interval of 0", () => {
    vi.useFakeTimers();
    const socket = new FakeSocket();
    startKeepalive(socket as unknown as WebSocket, 0);
    vi.advanceTimersByTime(60_000);
    expect(socket.pings).toBe(0);
    expect(socket.terminated).toBe(false);
  });
});
