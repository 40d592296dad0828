// What a webhook tool needs from the session runner, and the record it reports for each call.
import type { HttpGuard } from "./http-guard.ts";

/** A spoken line the tool started; `done` settles when it has played out or was interrupted. */
export interface SpeechControl {
  interrupt(): void;
  done: Promise<void>;
}

export interface WebhookToolHooks {
  /** Speaks a line while the tool runs; the runner uses
   *  `session.say(text, { allowInterruptions: true, addToChatCtx: false })`. */
  say(text: string): SpeechControl;
  /** One record per call, whatever the outcome; becomes the `tool.call` runtime event. */
  onCall(record: ToolCallRecord): void;
  /** Asks for a hand-off; the runner performs it after the tool has returned. */
  transfer(targetAgentId: string, reason: string): void;
  /**
   * A test case's mock (agent-tests/mocks.ts): once the arguments are valid, it answers instead of
   * the API, and the call goes on as a real one would (pre-tool line, record, transfer rules).
   */
  mock?(tool: string, args: Record<string, unknown>): MockAnswer;
}

/** What a mock answers: the tool's result, or an error the LLM reads as the tool's failure. */
export type MockAnswer = { output: unknown } | { error: string };

/** Matches the `tool.call` runtime event (packages/contracts/src/runtime.ts), without `turnId`. */
export interface ToolCallRecord {
  toolCallId: string;
  /** The tool's code, as the LLM called it. */
  name: string;
  /** The arguments the LLM gave. */
  request: Record<string, unknown>;
  /** The result handed back to the LLM, on success. */
  response?: unknown;
  status: "ok" | "error" | "timeout";
  /** At most 1000 characters (the event's limit). */
  error?: string;
  latencyMs: number;
  /** ISO 8601. */
  startedAt: string;
}

export type VariableValues = Record<string, string | number | boolean | null>;

export interface WebhookToolOptions {
  /** The session's variables, for `{{variable}}` in the URL and the plain headers. */
  variables: VariableValues;
  guard: HttpGuard;
  /** Longest result handed to the LLM, in characters; 8000 by default. */
  maxResponseChars?: number;
  hooks: WebhookToolHooks;
  /** Clock in ms (Date.now by default), for latency and startedAt. */
  now?: () => number;
}
