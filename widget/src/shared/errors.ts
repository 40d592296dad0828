// What each error code means to a visitor. Every error offers a retry, so the messages say what
// happened and, where the visitor can do something about it, what.
import type { WidgetErrorCode } from "./types.ts";

export const errorMessages: Record<WidgetErrorCode, string> = {
  agent_unpublished: "This voice assistant is not available right now.",
  rate_limited: "Too many conversations right now. Please try again in a moment.",
  token_expired: "This conversation link has expired. Reload the page to get a new one.",
  token_invalid: "This conversation link is not valid.",
  origin_forbidden: "This website may not start conversations with this assistant.",
  no_webrtc: "Your browser does not support voice calls (WebRTC). Try a current Chrome, Firefox, Safari or Edge.",
  mic_denied: "Microphone access was blocked. Allow the microphone for this site and try again.",
  mic_missing: "No microphone was found. Connect one and try again.",
  unsupported_browser: "Voice calls need a secure (https) page in a current browser.",
  network_lost: "The connection was lost. Check your internet connection and try again.",
  // Visitors cannot fix a broken provider; the cause is for members (the session's errors).
  session_failed: "This agent cannot speak right now.",
};

/** The message for a code, with the wait when the server said how long to wait. */
export function errorMessage(code: WidgetErrorCode, retryAfterS?: number): string {
  if (code === "rate_limited" && retryAfterS !== undefined && retryAfterS > 0) {
    return `Too many conversations right now. Please try again in ${retryAfterS} s.`;
  }
  return errorMessages[code];
}
