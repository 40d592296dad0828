// The Worker's handle on a session's SessionRoom Durable Object (one per session, by name). Its
// type is taken from the room's class, so the API's calls and the room's RPC methods cannot drift
// apart; the room never throws for a refused command, it answers with a result and a code.
import type { Context } from "hono";
import type { SessionRoom } from "../../../durable-objects/session-room/index.ts";
import type { AppEnv } from "../context.ts";
import type { WorkerEnv } from "../env.ts";

/** What the Worker calls on a room: the session commands, and `fetch` for the events socket. */
export type SessionRoomStub = Pick<SessionRoom, "init" | "dispatch" | "transition" | "publish" | "heartbeat" | "state" | "fetch">;

export function sessionRoom(c: Context<AppEnv>, sessionId: string): SessionRoomStub {
  return sessionRoomIn(c.env, sessionId);
}

/** The same handle from a Worker env, for code outside a request (queue consumers). */
export function sessionRoomIn(env: WorkerEnv, sessionId: string): SessionRoomStub {
  // Typed by wrangler types (worker-configuration.d.ts); a test env may still lack the binding.
  const ns: WorkerEnv["SESSION_ROOM"] | undefined = env.SESSION_ROOM;
  if (!ns) throw new Error("the SESSION_ROOM Durable Object binding is missing");
  return ns.get(ns.idFromName(sessionId));
}
