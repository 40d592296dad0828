// The Worker's handle on a session's SessionRoom Durable Object (one per session, by name).
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";

export interface SessionRoomNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): SessionRoomStub;
}

export type TransitionResult = { ok: true; status: string } | { ok: false; code: string; message: string };

export interface SessionRoomStub {
  init(cmd: { sessionId: string; dispatchTimeoutMs: number; heartbeatTimeoutMs: number; maxDurationMs: number }): Promise<unknown>;
  transition(cmd: { to: "pending" | "dispatching" | "active" | "completed" | "failed"; reason?: string; rowWrittenByCaller?: boolean }): Promise<TransitionResult>;
  fetch(request: Request): Promise<Response>;
}

export function sessionRoom(c: Context<AppEnv>, sessionId: string): SessionRoomStub {
  const ns = c.env["SESSION_ROOM"] as SessionRoomNamespace | undefined;
  if (!ns) throw new Error("the SESSION_ROOM Durable Object binding is missing");
  return ns.get(ns.idFromName(sessionId));
}
