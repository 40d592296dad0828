// Domain code throws ApiError (or returns results); only the HTTP edge turns errors into
// problem+json responses, through `problemResponse` and the app's single onError.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import {
  problemContentType,
  problemStatus,
  problemTitles,
  problemTypeBase,
  type FieldError,
  type PreflightProblem,
  type Problem,
  type ProblemCode,
  type TestGate,
} from "@speaknode/contracts";

export class ApiError extends Error {
  readonly code: ProblemCode;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;
  /** `preflight_failed`: what the agent's pre-flight found. */
  readonly problems: PreflightProblem[] | undefined;
  /** `tests_failed`: the publish gate's verdict on the required test cases. */
  readonly testGate: TestGate | undefined;
  constructor(code: ProblemCode, detail?: string, opts?: { errors?: FieldError[]; headers?: Record<string, string>; problems?: PreflightProblem[]; testGate?: TestGate }) {
    super(detail ?? problemTitles[code]);
    this.name = "ApiError";
    this.code = code;
    this.errors = opts?.errors;
    this.headers = opts?.headers;
    this.problems = opts?.problems;
    this.testGate = opts?.testGate;
  }
  get status(): number {
    return problemStatus[this.code];
  }
}

export const notFound = (what: string) => new ApiError("not_found", `${what} not found`);

export function fieldErrorsFromZod(error: ZodError, where: string): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    // Unknown keys are reported on the key itself, not on the object holding it.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: [where, ...path, key].join("."), message: "unknown field" }));
    }
    return [{ field: [where, ...path].join("."), message: issue.message }];
  }).flat();
}

export function problemBody(code: ProblemCode, requestId: string, detail?: string, errors?: FieldError[], instance?: string, problems?: PreflightProblem[], testGate?: TestGate): Problem {
  return {
    type: problemTypeBase + code,
    title: problemTitles[code],
    status: problemStatus[code],
    ...(detail ? { detail } : {}),
    ...(instance ? { instance } : {}),
    code,
    requestId,
    ...(errors && errors.length > 0 ? { errors } : {}),
    ...(problems ? { problems } : {}),
    ...(testGate ? { testGate } : {}),
  };
}

export function problemResponse(c: Context, error: ApiError): Response {
  const requestId = c.get("requestId") ?? "req_unknown";
  const body = problemBody(error.code, requestId, error.message, error.errors, new URL(c.req.url).pathname, error.problems, error.testGate);
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { "content-type": problemContentType, "x-request-id": requestId, ...error.headers },
  });
}

/** Maps anything thrown to an ApiError; unknown errors become `internal` and are logged by the caller. */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400) return new ApiError("malformed_request", err.message || "Malformed request body");
    if (err.status === 401) return new ApiError("unauthorized", err.message || undefined);
    if (err.status === 404) return new ApiError("not_found");
    if (err.status === 413) return new ApiError("payload_too_large");
    if (err.status === 415) return new ApiError("unsupported_media_type");
  }
  return null;
}
