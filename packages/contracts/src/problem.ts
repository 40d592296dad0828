// One error shape for the whole platform: RFC 9457 problem details with a stable `code` from a
// closed list and the request id. The code→status table below is the only one.
import { z } from "zod";
import { text } from "./text.ts";
import { TestGate } from "./test-gate.ts";

export const problemStatus = {
  malformed_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  token_expired: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  // Well-formed but refused as a whole (a contacts file over the limits, a mapping naming missing columns).
  unprocessable_content: 422,
  // Publishing refused: the agent's pre-flight found problems (listed in `problems`).
  preflight_failed: 422,
  // Publishing refused: a required test case failed (the run and its failures in `testGate`).
  tests_failed: 422,
  rate_limited: 429,
  internal: 500,
  upstream_unavailable: 503,
  // A provider refused what the platform asked on the caller's behalf (telephony).
  caller_id_unverified: 400,
  destination_not_allowed: 403,
  upstream_rejected: 502,
  // Billing: the plan has no overage and its minutes are spent; creating beyond the plan's limits
  // or using a feature it leaves out; the plan's concurrent sessions are all live.
  minutes_exhausted: 402,
  plan_limit: 403,
  concurrency_limit: 429,
} as const;

export type ProblemCode = keyof typeof problemStatus;
export const problemCodes = Object.keys(problemStatus) as [ProblemCode, ...ProblemCode[]];

export const problemTitles: Record<ProblemCode, string> = {
  malformed_request: "Malformed request",
  validation_failed: "Validation failed",
  unauthorized: "Unauthorized",
  token_expired: "Token expired",
  forbidden: "Forbidden",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  conflict: "Conflict",
  gone: "Gone",
  precondition_failed: "Precondition failed",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  unprocessable_content: "Unprocessable content",
  preflight_failed: "Pre-flight checks failed",
  tests_failed: "Required tests failed",
  rate_limited: "Too many requests",
  internal: "Internal error",
  upstream_unavailable: "Upstream unavailable",
  caller_id_unverified: "Caller id not verified",
  destination_not_allowed: "Destination not allowed",
  upstream_rejected: "Upstream rejected the request",
  minutes_exhausted: "Voice minutes exhausted",
  plan_limit: "Plan limit reached",
  concurrency_limit: "Concurrent session limit reached",
};

export const FieldError = z
  .object({
    /** Dotted path of the failing field, e.g. `body.name` or `path.spaceId`. */
    field: text(),
    message: text(),
  })
  .meta({ id: "FieldError" });
export type FieldError = z.infer<typeof FieldError>;

export const PreflightProblemCode = z.enum([
  /** No platform key in the voice runtime and no space key for a provider the agent uses. */
  "provider_key_missing",
  /** The provider is not usable here at all (its offline engine is not installed, no runtime has reported). */
  "provider_unavailable",
  /** The model is not in the catalog or is disabled. */
  "model_unavailable",
  /** The voice does not belong to the TTS provider (or is not in its list). */
  "voice_unknown",
  /** The STT (or TTS) model cannot handle a locale's language. */
  "language_unsupported",
  /** A locale has no first message. */
  "greeting_empty",
  /** A tool the agent references does not exist (any more). */
  "tool_missing",
]);
export type PreflightProblemCode = z.infer<typeof PreflightProblemCode>;

/** One thing that stops an agent from working as configured, found before it is published. */
export const PreflightProblem = z
  .object({
    code: PreflightProblemCode,
    /** Dotted path in the agent's configuration, e.g. `locales.1.tts.voice` or `stt.model`. */
    field: text(),
    /** A sentence for people, naming the field by its label (never a code path). */
    message: text(),
    /** The locale's language when the problem belongs to one locale. */
    language: text().nullable(),
  })
  .meta({ id: "PreflightProblem" });
export type PreflightProblem = z.infer<typeof PreflightProblem>;

export const Problem = z
  .object({
    type: text(),
    title: text(),
    status: z.number().int(),
    detail: text().optional(),
    instance: text().optional(),
    code: z.enum(problemCodes),
    requestId: text(),
    errors: z.array(FieldError).optional(),
    /** `preflight_failed`: what the agent's pre-flight found. */
    problems: z.array(PreflightProblem).optional(),
    /** `tests_failed`: the required cases' run and what failed (TestGate). */
    testGate: TestGate.optional(),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details" });
export type Problem = z.infer<typeof Problem>;

export const problemContentType = "application/problem+json";
export const problemTypeBase = "https://speaknode.dev/problems/";
