// The objects a scenario holds: a Call (https://voximplant.com/docs/references/voxengine/call) and
// a WebSocket (https://voximplant.com/docs/references/voxengine/websocket), each a thin front over
// the simulator's VoxCall / SimSocket with only the methods of the subset.
import type { VoxCall } from "./call.ts";
import { isEncoding } from "./media.ts";
import type { SimSocket } from "./websocket.ts";

export type Listener = (event: Record<string, unknown>) => unknown;

function addTo(listeners: Map<string, Listener[]>, name: unknown, fn: unknown): void {
  if (typeof name !== "string" || typeof fn !== "function") return;
  listeners.set(name, [...(listeners.get(name) ?? []), fn as Listener]);
}

function removeFrom(listeners: Map<string, Listener[]>, name: unknown, fn: unknown): void {
  if (typeof name !== "string") return;
  listeners.set(name, fn === undefined ? [] : (listeners.get(name) ?? []).filter((f) => f !== fn));
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

export function callFacade(call: VoxCall, listeners: Map<string, Listener[]>, deps: { socketOf(ws: unknown): SimSocket | null; record(kind: string, detail: Record<string, unknown>): void }): object {
  return {
    id: () => call.id,
    callerid: () => call.init.from.replace(/^\+/, ""),
    number: () => call.init.to.replace(/^\+/, ""),
    state: () => call.status.toUpperCase(),
    addEventListener: (name: unknown, fn: unknown) => addTo(listeners, name, fn),
    removeEventListener: (name: unknown, fn?: unknown) => removeFrom(listeners, name, fn),
    answer: () => {
      if (call.init.direction !== "inbound" || call.status !== "alerting") return;
      call.record("call.answer");
      // The network needs a moment to set up the answered call; Connected follows asynchronously.
      setTimeout(() => call.connect(), 20);
    },
    hangup: () => {
      call.record("call.hangup");
      if (call.status === "connected") call.disconnect("scenario-hangup");
      else call.fail(487, "Request Terminated", "scenario-hangup");
    },
    reject: (code?: unknown) => {
      const sip = typeof code === "number" && code >= 400 && code < 700 ? code : 486;
      call.record("call.reject", { sipCode: sip });
      if (call.status === "alerting") call.fail(sip, "Rejected", "scenario-reject");
    },
    sendDigits: (digits: unknown) => {
      const keys = String(digits ?? "").replace(/[^0-9*#A-Da-d]/g, "");
      if (keys && call.status === "connected") call.sendDigits(keys);
    },
    handleTones: (enable: unknown) => {
      call.handleTones = enable === true;
    },
    sendMediaTo: (ws: unknown, params?: unknown) => {
      const socket = deps.socketOf(ws);
      if (!socket) return deps.record("scenario.misuse", { what: "call.sendMediaTo needs a WebSocket of this session" });
      const p = (typeof params === "object" && params !== null ? params : {}) as Record<string, unknown>;
      const encoding = p.encoding ?? "PCM8";
      if (!isEncoding(encoding)) return deps.record("scenario.misuse", { what: `unsupported encoding ${String(encoding).slice(0, 20)}` });
      call.sendMediaTo(socket, encoding, typeof p.tag === "string" ? p.tag : undefined, stringRecord(p.customParameters));
    },
    stopMediaTo: (ws: unknown) => {
      const socket = deps.socketOf(ws);
      if (socket) call.stopMediaTo(socket);
    },
  };
}

export function socketFacade(socket: SimSocket, listeners: Map<string, Listener[]>, deps: { callOf(call: unknown): VoxCall | null }): object {
  return {
    get url() {
      return socket.url;
    },
    addEventListener: (name: unknown, fn: unknown) => addTo(listeners, name, fn),
    removeEventListener: (name: unknown, fn?: unknown) => removeFrom(listeners, name, fn),
    send: (text: unknown) => socket.send(String(text)),
    close: () => socket.close(),
    sendMediaTo: (target: unknown) => {
      const call = deps.callOf(target);
      if (call) socket.sendMediaTo(call);
    },
    stopMediaTo: () => socket.stopMediaTo(),
    clearMediaBuffer: () => socket.clearMediaBuffer(),
  };
}
