// VoxImplant's Management API, the subset the platform uses: the account (to check a key), its
// applications and rules (to check the connection's ids), phone numbers (list, bind to the
// application), and StartScenarios (outbound calls).
//
// Wire format (VoxImplant "Management API" reference): `POST {base}/platform_api/<Method>/` with
// `Authorization: Bearer <RS256 JWT>` (jwt.ts) and form-urlencoded parameters. A success is
// `{"result": …, "count"?, "total_count"?}`; a failure is `{"error": {"msg", "code"}}`, usually
// with HTTP 200, so the body decides, not the status. Too many concurrent requests is HTTP 429
// (StartScenarios allows 200 at once); an answer we cannot read is treated like a 5xx.
// Rate limits: a 429 (or an error whose code is 429 / whose message says "too many requests") is
// retried here twice with backoff (honouring Retry-After, at most 2 s each), then thrown as a
// retryable error; the API's caller then gets a 429 / 503 with Retry-After (provider-errors).
// The base URL is platform configuration (VOXIMPLANT_API_BASE_URL), never a value a space sets.
import { z } from "zod";
import { text } from "@speaknode/contracts";
import type { VoximplantSigner } from "./jwt.ts";

export class VoximplantApiError extends Error {
  override name = "VoximplantApiError";
  /** HTTP status; 0 when VoxImplant could not be reached or did not answer in time. */
  readonly status: number;
  /** VoxImplant's error code from the body, when it gave one. */
  readonly code: number | null;
  readonly method: string;
  readonly retryAfterS: number | null;
  constructor(method: string, message: string, status: number, code: number | null, retryAfterS: number | null = null) {
    super(message);
    this.method = method;
    this.status = status;
    this.code = code;
    this.retryAfterS = retryAfterS;
  }
  get rateLimited(): boolean {
    return this.status === 429 || this.code === 429 || /too many requests/i.test(this.message);
  }
  /** Worth trying again later: unreachable, rate limited, or VoxImplant failing (5xx). */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.rateLimited;
  }
}

export interface VoximplantClientOptions {
  baseUrl: string;
  signer: VoximplantSigner;
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Waits between rate-limited attempts (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

const idNumber = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const count = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const ErrorBody = z.object({ error: z.object({ msg: text().optional(), code: count.optional() }).passthrough() });
const Page = <T extends z.ZodType>(item: T) => z.object({ result: z.array(item), count: count.optional(), total_count: count.optional() });

export const VoxAccountInfo = z.object({ account_id: idNumber, account_name: text().optional(), active: z.boolean().optional(), frozen: z.boolean().optional() }).passthrough();
export type VoxAccountInfo = z.infer<typeof VoxAccountInfo>;
export const VoxApplication = z.object({ application_id: idNumber, application_name: text().optional() }).passthrough();
export const VoxRule = z.object({ rule_id: idNumber, rule_name: text().optional() }).passthrough();
export const VoxPhoneNumber = z
  .object({
    phone_id: idNumber,
    /** Digits without "+" (VoxImplant's form). */
    phone_number: text(),
    application_id: idNumber.nullish(),
    application_name: text().nullish(),
  })
  .passthrough();
export type VoxPhoneNumber = z.infer<typeof VoxPhoneNumber>;
export const VoxStartScenarios = z.object({
  result: count,
  media_session_access_url: text(),
  media_session_access_secure_url: text(),
  call_session_history_id: idNumber,
});
export type VoxStartScenarios = z.infer<typeof VoxStartScenarios>;

type Params = Record<string, string | number | boolean | undefined>;
const maxAttempts = 3;

export class VoximplantClient {
  readonly #o: VoximplantClientOptions;
  constructor(opts: VoximplantClientOptions) {
    this.#o = opts;
  }

  async getAccountInfo(): Promise<VoxAccountInfo> {
    return (await this.#call("GetAccountInfo", {}, z.object({ result: VoxAccountInfo }))).result;
  }

  async getApplications(applicationId: number): Promise<z.infer<typeof VoxApplication>[]> {
    return (await this.#call("GetApplications", { application_id: applicationId }, Page(VoxApplication))).result;
  }

  async getRules(applicationId: number, ruleId: number): Promise<z.infer<typeof VoxRule>[]> {
    return (await this.#call("GetRules", { application_id: applicationId, rule_id: ruleId }, Page(VoxRule))).result;
  }

  /** One page of the account's numbers. */
  async getPhoneNumbers(opts: { count: number; offset: number; phoneId?: number }): Promise<{ numbers: VoxPhoneNumber[]; totalCount: number }> {
    const page = await this.#call("GetPhoneNumbers", { count: opts.count, offset: opts.offset, phone_id: opts.phoneId }, Page(VoxPhoneNumber));
    return { numbers: page.result, totalCount: page.total_count ?? page.result.length };
  }

  /** Binds (or with `bind: false` unbinds) a number to an application. */
  async bindPhoneNumberToApplication(phoneId: number, applicationId: number, bind: boolean): Promise<void> {
    await this.#call("BindPhoneNumberToApplication", { phone_id: phoneId, application_id: applicationId, bind }, z.object({ result: z.union([z.number(), z.boolean(), text()]) }));
  }

  /** Runs the rule's scenario in a new session (outbound calls). */
  startScenarios(ruleId: number, scriptCustomData: string): Promise<VoxStartScenarios> {
    return this.#call("StartScenarios", { rule_id: ruleId, script_custom_data: scriptCustomData }, VoxStartScenarios);
  }

  async #call<T extends z.ZodType>(method: string, params: Params, schema: T): Promise<z.infer<T>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(method, params, schema);
      } catch (err) {
        if (!(err instanceof VoximplantApiError) || !err.rateLimited || attempt >= maxAttempts) throw err;
        const waitMs = Math.min(2000, err.retryAfterS !== null ? err.retryAfterS * 1000 : 250 * 4 ** (attempt - 1));
        await (this.#o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(waitMs);
      }
    }
  }

  async #once<T extends z.ZodType>(method: string, params: Params, schema: T): Promise<z.infer<T>> {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) form.set(k, String(v));
    let res: Response;
    try {
      res = await (this.#o.fetch ?? fetch)(`${this.#o.baseUrl}/platform_api/${method}/`, {
        method: "POST",
        headers: { authorization: `Bearer ${await this.#o.signer.token()}`, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: form.toString(),
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
    } catch (err) {
      if (err instanceof Error && err.name === "VoximplantKeyError") throw err;
      throw new VoximplantApiError(method, "VoxImplant could not be reached", 0, null);
    }
    const retryAfter = Number(res.headers.get("retry-after"));
    const retryAfterS = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    const error = ErrorBody.safeParse(body);
    if (error.success) {
      const code = error.data.error.code ?? null;
      throw new VoximplantApiError(method, (error.data.error.msg ?? "VoxImplant refused the request").slice(0, 300), res.status, code, retryAfterS);
    }
    if (!res.ok) throw new VoximplantApiError(method, `VoxImplant answered ${res.status}`, res.status, null, retryAfterS);
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new VoximplantApiError(method, `VoxImplant's answer to ${method} could not be read`, 502, null);
    return parsed.data;
  }
}
