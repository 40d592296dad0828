// The runtime API's handle on a session's SessionRoom: the RPC methods it calls, typed by the
// contracts. The room never throws for a refused command; it answers with a result and a code.
import type { Context } from "hono";
import type { SessionEventCommand, SessionPublishResult, SessionRoomFailure, SessionStateResult, SessionTransitionCommand } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";

export interface RuntimeRoom {
  publish(cmd: SessionEventCommand): Promise<SessionPublishResult>;
  heartbeat(): Promise<SessionStateResult>;
  transition(cmd: SessionTransitionCommand): Promise<SessionStateResult>;
  state(): Promise<SessionStateResult>;
}

interface RoomNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): RuntimeRoom;
}

export function runtimeRoom(c: Context<AppEnv>, sessionId: string): RuntimeRoom {
  const ns = c.env["SESSION_ROOM"] as RoomNamespace | undefined;
  if (!ns) throw new Error("the SESSION_ROOM Durable Object binding is missing");
  return ns.get(ns.idFromName(sessionId));
}

/** A command the room refused for the session's state is the runtime's conflict; anything else is a bug. */
export function roomRefusal(failure: SessionRoomFailure): Error {
  switch (failure.code) {
    case "invalid_state":
    case "invalid_transition":
      return new ApiError("conflict", failure.message);
    case "not_initialized":
      return new ApiError("conflict", "the session's room was never started");
    case "invalid_command":
    case "session_mismatch":
      return new Error(`session room refused a command: ${failure.code}: ${failure.message}`);
  }
}
