// How the runtime API answers a command its session's SessionRoom refused (the handle on the
// room itself is sessions/room.ts, shared with the rest of the Worker).
import type { SessionRoomFailure } from "@speaknode/contracts";
import { ApiError } from "../errors.ts";

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
