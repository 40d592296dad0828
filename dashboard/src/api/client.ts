// The API client: adds the bearer token, validates JSON bodies with the contracts' zod schemas,
// and turns problem+json errors into ApiProblem. A 401 `token_expired` is retried once after a
// refresh; any other 401 hands control to `onUnauthorized` (sign in again, keeping the path).
import type { z } from "zod";
import { Problem, problemStatus, type FieldError, type PreflightProblem, type ProblemCode } from "../../../packages/contracts/src/problem.ts";
import type { TestGate } from "../../../packages/contracts/src/test-gate.ts";
import type { Fetch } from "../auth/oidc.ts";
import { fieldSentence, isGenericValidation } from "../ui/field-words.ts";

export class ApiProblem extends Error {
  override name = "ApiProblem";
  readonly status: number;
  readonly code: ProblemCode;
  readonly requestId: string | null;
  readonly fieldErrors: FieldError[];
  /** `preflight_failed`: what the agent's pre-flight found. */
  readonly problems: PreflightProblem[];
  /** `tests_failed`: the publish gate's run and what failed. */
  readonly testGate: TestGate | null;
  constructor(status: number, code: ProblemCode, message: string, requestId: string | null = null, fieldErrors: FieldError[] = [], problems: PreflightProblem[] = [], testGate: TestGate | null = null) {
    super(message);
    this.testGate = testGate;
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.fieldErrors = fieldErrors;
    this.problems = problems;
  }
}

/** The code a bare status maps to when the body is not problem+json (a proxy's HTML page, say). */
export function codeForStatus(status: number): ProblemCode {
  const found = (Object.keys(problemStatus) as ProblemCode[]).find((code) => problemStatus[code] === status && code !== "token_expired");
  return found ?? (status >= 500 ? "internal" : "malformed_request");
}

export async function problemFrom(res: Response): Promise<ApiProblem> {
  const body: unknown = await res.json().catch(() => null);
  const parsed = Problem.safeParse(body);
  if (parsed.success) {
    const p = parsed.data;
    return new ApiProblem(res.status, p.code, p.detail ?? p.title, p.requestId, p.errors ?? [], p.problems ?? [], p.testGate ?? null);
  }
  return new ApiProblem(res.status, codeForStatus(res.status), `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`);
}

export interface ApiDeps {
  base: string;
  fetch: Fetch;
  accessToken: () => Promise<string | null>;
  /** Forces a refresh; resolves whether a new token is available. */
  refresh: () => Promise<boolean>;
  /** The session is gone: sign in again. */
  onUnauthorized: () => void;
}

/** A request body sent as it is (an uploaded CSV or JSON file) with its own content type. */
export class RawBody {
  readonly content: string | Blob;
  readonly contentType: string;
  constructor(content: string | Blob, contentType: string) {
    this.content = content;
    this.contentType = contentType;
  }
}

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
export type Query = Record<string, string | number | boolean | undefined>;

export function createApi(deps: ApiDeps) {
  async function send(method: Method, path: string, body?: unknown, query?: Query, retried = false, extraHeaders: Record<string, string> = {}): Promise<Response> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") params.set(k, String(v));
    const search = params.size > 0 ? `?${params.toString()}` : "";
    const target = `${deps.base}${path}${search}`;
    const headers: Record<string, string> = { accept: "application/json", ...extraHeaders };
    const token = await deps.accessToken();
    if (token) headers["authorization"] = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = body instanceof RawBody ? body.contentType : "application/json";
    const payload = body === undefined ? {} : { body: body instanceof RawBody ? body.content : JSON.stringify(body) };
    const res = await deps.fetch(target, { method, headers, ...payload });
    if (res.ok) return res;
    const problem = await problemFrom(res);
    if (res.status === 401) {
      if (problem.code === "token_expired" && !retried && (await deps.refresh())) return send(method, path, body, query, true, extraHeaders);
      deps.onUnauthorized();
    }
    throw problem;
  }

  /** A JSON response, validated by `schema` so pages get typed, checked data. */
  async function json<S extends z.ZodType>(schema: S, method: Method, path: string, opts: { body?: unknown; query?: Query; headers?: Record<string, string> } = {}): Promise<z.infer<S>> {
    const res = await send(method, path, opts.body, opts.query, false, opts.headers);
    return schema.parse(await res.json());
  }

  /** A request whose answer has no body (204). */
  async function empty(method: Method, path: string, body?: unknown): Promise<void> {
    await send(method, path, body);
  }

  /** A file the API streams (a CSV export), fetched with the auth header like any other call. */
  async function download(path: string, query?: Query): Promise<Blob> {
    const res = await send("GET", path, undefined, query, false, { accept: "text/csv, */*" });
    return res.blob();
  }

  /** A binary answer to any request (a voice preview's WAV), fetched with the auth header. */
  async function blob(method: Method, path: string, body: unknown, accept: string): Promise<Blob> {
    const res = await send(method, path, body, undefined, false, { accept: `${accept}, application/problem+json` });
    return res.blob();
  }

  /** A document to save (an invoice's statement): its bytes and the name the API gave it, if any. */
  async function file(path: string, accept: string): Promise<{ blob: Blob; filename: string | null }> {
    const res = await send("GET", path, undefined, undefined, false, { accept: `${accept}, application/problem+json` });
    return { blob: await res.blob(), filename: filenameOf(res.headers.get("content-disposition")) };
  }

  return { json, empty, download, blob, file };
}

/** The file name of a `content-disposition: attachment; filename="…"` header (null without one). */
export function filenameOf(header: string | null): string | null {
  const name = /filename="([^"]+)"/.exec(header ?? "")?.[1] ?? /filename=([^;\s]+)/.exec(header ?? "")?.[1];
  // Only the last path segment: a name never chooses a folder.
  return name ? (name.split(/[\\/]/).at(-1) ?? null) : null;
}

export type Api = ReturnType<typeof createApi>;

/** What to do about a refusal of the space's plan, wherever it shows (a call, a new agent, a campaign). */
const billingHints = {
  minutes_exhausted: "The Billing page shows this period's minutes; an Owner can change the plan.",
  plan_limit: "The Billing page shows the plan's limits; an Owner can change the plan.",
  concurrency_limit: "Try again when a call has ended; the Billing page shows the plan's limit.",
} as const;

/** A readable message for any error a store action may throw. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiProblem && err.code in billingHints) return `${err.message} ${billingHints[err.code as keyof typeof billingHints]}`;
  if (err instanceof ApiProblem) {
    // Fields by their labels in plain words ("Widget · Primary colour must be a #rrggbb colour"), never code paths.
    const fields = err.fieldErrors.map((f) => fieldSentence(f.field, f.message)).join("; ");
    if (!fields) return err.message;
    return isGenericValidation(err) ? `Some fields need a change: ${fields}.` : `${err.message} (${fields})`;
  }
  return err instanceof Error ? err.message : String(err);
}
