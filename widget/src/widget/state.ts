// The conversation's state machine, pure so it can be tested without a browser.
//
// idle → connecting → (listening | thinking | speaking)* → ended, or error from anywhere; `start`
// leaves idle, ended and error (every error can be retried). While active, the visible state is
// derived from three facts: the agent is audible → speaking; the user finished a turn and the
// agent has not answered yet → thinking; otherwise → listening (once the agent is ready).
import { errorMessage } from "../shared/errors.ts";
import type { WidgetErrorCode, WidgetStateName } from "../shared/types.ts";

export interface CallError {
  code: WidgetErrorCode;
  /** From a 429's retry-after, shown in the message. */
  retryAfterS?: number | undefined;
  /** A sentence that replaces the code's message (a preview host's reason for refusing). */
  message?: string | undefined;
}

/** What the visitor reads for an error. */
export function callErrorMessage(error: CallError): string {
  return error.message ?? errorMessage(error.code, error.retryAfterS);
}

export type CallState =
  | { phase: "idle" }
  | { phase: "connecting"; agentAudible: boolean }
  | { phase: "active"; agentAudible: boolean; awaitingAgent: boolean }
  | { phase: "ended" }
  | { phase: "error"; error: CallError };

export type CallEvent =
  /** The visitor asked for a conversation (the launcher, or retry). */
  | { type: "start" }
  /** The events channel said the agent joined (agent.ready, or a welcome with status active). */
  | { type: "agentReady" }
  | { type: "agentAudible"; audible: boolean }
  | { type: "transcript"; role: "user" | "agent"; final: boolean }
  /** The server cleared the agent's speech (barge-in). */
  | { type: "interrupted" }
  /** The conversation ended normally (the visitor hung up, or session.completed). */
  | { type: "ended" }
  /**
   * The media ended from the server's side and the session never said how: a normal end once the
   * agent had joined, a failure before (a conversation that never began did not end).
   */
  | { type: "mediaEnded" }
  | { type: "failed"; error: CallError }
  /** The panel was closed after the conversation: back to the launcher. */
  | { type: "reset" };

export const initialState: CallState = { phase: "idle" };

export function isLive(state: CallState): boolean {
  return state.phase === "connecting" || state.phase === "active";
}

export function canStart(state: CallState): boolean {
  return !isLive(state);
}

export function reduce(state: CallState, event: CallEvent): CallState {
  switch (event.type) {
    case "start":
      return canStart(state) ? { phase: "connecting", agentAudible: false } : state;
    case "reset":
      return canStart(state) ? initialState : state;
    case "ended":
      return isLive(state) ? { phase: "ended" } : state;
    case "mediaEnded":
      if (state.phase === "connecting") return { phase: "error", error: { code: "session_failed" } };
      return isLive(state) ? { phase: "ended" } : state;
    case "failed":
      return isLive(state) ? { phase: "error", error: event.error } : state;
  }
  if (state.phase === "connecting") {
    // Agent audio before agent.ready (two sockets, no ordering between them) also means it joined.
    if (event.type === "agentReady" || (event.type === "agentAudible" && event.audible)) {
      return { phase: "active", agentAudible: event.type === "agentAudible", awaitingAgent: false };
    }
    if (event.type === "agentAudible") return { ...state, agentAudible: false };
    return state;
  }
  if (state.phase !== "active") return state;
  switch (event.type) {
    case "agentReady":
      return state;
    case "agentAudible":
      // The agent started answering: no longer waiting for it.
      return { ...state, agentAudible: event.audible, awaitingAgent: event.audible ? false : state.awaitingAgent };
    case "interrupted":
      return { ...state, agentAudible: false, awaitingAgent: false };
    case "transcript":
      if (event.role === "user") return { ...state, awaitingAgent: event.final };
      // Agent text while its audio plays: the reply is under way, whatever order the two sockets
      // delivered things in (the media socket is the shorter path, so the agent's first audio can
      // reach the page before the user's final transcript). A final agent text with no audio
      // playing: a reply that will not be heard (or is over). A partial with no audio yet keeps
      // thinking until the audio starts.
      return event.final || state.agentAudible ? { ...state, awaitingAgent: false } : state;
  }
}

/** The public state name (`data-state`). */
export function stateName(state: CallState): WidgetStateName {
  switch (state.phase) {
    case "idle":
    case "connecting":
    case "ended":
    case "error":
      return state.phase;
    case "active":
      return state.agentAudible ? "speaking" : state.awaitingAgent ? "thinking" : "listening";
  }
}

/** What the status line and the live region say. */
export function stateText(state: CallState, agentName: string): string {
  switch (stateName(state)) {
    case "connecting":
      return `Connecting to ${agentName}…`;
    case "listening":
      return "Listening…";
    case "thinking":
      return "Thinking…";
    case "speaking":
      return `${agentName} is speaking`;
    case "ended":
      return "Conversation ended.";
    case "error":
      return state.phase === "error" ? callErrorMessage(state.error) : "";
    default:
      return "";
  }
}
