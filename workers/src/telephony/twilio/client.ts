// Twilio's REST API (2010-04-01), the subset the platform uses: the account (to check credentials),
// incoming phone numbers (list, read, update their voice webhooks) and calls (create, update).
// Requests are form-encoded with HTTP basic auth (Account SID + Auth Token, or API key SID +
// secret); answers are JSON; errors are Twilio's `{ code, message, more_info, status }`.
// The base URL is platform configuration (TWILIO_API_BASE_URL): https://api.twilio.com, or the
// Twilio simulator under `npm run dev` and in tests. Never a value a space can set.
import type { TwilioAuth } from "@speaknode/contracts";

export interface TwilioCredentials {
  accountSid: string;
  auth: TwilioAuth;
}

export interface TwilioClientOptions {
  baseUrl: string;
  credentials: TwilioCredentials;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface TwilioAccount {
  sid: string;
  friendly_name: string;
  status: string;
}

export interface TwilioIncomingNumber {
  sid: string;
  account_sid: string;
  phone_number: string;
  friendly_name: string | null;
  voice_url: string | null;
  voice_method: string | null;
  voice_fallback_url: string | null;
  status_callback: string | null;
  status_callback_method: string | null;
  voice_application_sid: string | null;
  capabilities?: { voice?: boolean; sms?: boolean; mms?: boolean; fax?: boolean } | null;
}

export interface TwilioCall {
  sid: string;
  account_sid: string;
  status: string;
  direction: string;
  from: string;
  to: string;
  duration?: string | null;
}

/** Fields of an incoming number the platform sets on import and restores on release. */
export interface TwilioNumberVoiceFields {
  VoiceUrl?: string;
  VoiceMethod?: "GET" | "POST";
  VoiceFallbackUrl?: string;
  StatusCallback?: string;
  StatusCallbackMethod?: "GET" | "POST";
  /** "" clears a TwiML App, which would otherwise take precedence over VoiceUrl. */
  VoiceApplicationSid?: string;
}

export interface TwilioCreateCall {
  To: string;
  From: string;
  Twiml: string;
  StatusCallback: string;
  StatusCallbackMethod?: "POST";
  StatusCallbackEvent: ("initiated" | "ringing" | "answered" | "completed")[];
  /** Seconds to let it ring. */
  Timeout?: number;
  /** Seconds before Twilio hangs up the call. */
  TimeLimit?: number;
  MachineDetection?: "Enable" | "DetectMessageEnd";
  AsyncAmd?: "true" | "false";
  AsyncAmdStatusCallback?: string;
  AsyncAmdStatusCallbackMethod?: "POST";
  CallerId?: string;
}

export class TwilioApiError extends Error {
  override name = "TwilioApiError";
  /** HTTP status; 0 when Twilio could not be reached. */
  readonly status: number;
  /** Twilio's error code (21211 invalid To, 21215 geo permissions, 21219 unverified…), when given. */
  readonly code: number | null;
  readonly moreInfo: string | null;
  /** Seconds from Retry-After on 429/503. */
  readonly retryAfterS: number | null;
  constructor(message: string, status: number, code: number | null, moreInfo: string | null, retryAfterS: number | null) {
    super(message);
    this.status = status;
    this.code = code;
    this.moreInfo = moreInfo;
    this.retryAfterS = retryAfterS;
  }
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

const apiVersion = "2010-04-01";

/** Query keys of a `next_page_uri` that a page token may carry; nothing else is passed on. */
const pageKeys = ["Page", "PageSize", "PageToken"] as const;

export class TwilioClient {
  readonly #opts: TwilioClientOptions;

  constructor(opts: TwilioClientOptions) {
    this.#opts = opts;
  }

  get accountSid(): string {
    return this.#opts.credentials.accountSid;
  }

  fetchAccount(): Promise<TwilioAccount> {
    return this.#request<TwilioAccount>("GET", `/Accounts/${this.accountSid}.json`);
  }

  /** One page of the account's numbers; `pageToken` is a previous answer's `nextPageToken`. */
  async listIncomingNumbers(opts: { pageSize?: number; pageToken?: string | null } = {}): Promise<{ numbers: TwilioIncomingNumber[]; nextPageToken: string | null }> {
    const query = new URLSearchParams({ PageSize: String(opts.pageSize ?? 50) });
    if (opts.pageToken) {
      for (const [k, v] of new URLSearchParams(opts.pageToken)) if ((pageKeys as readonly string[]).includes(k)) query.set(k, v);
    }
    const page = await this.#request<{ incoming_phone_numbers: TwilioIncomingNumber[]; next_page_uri: string | null }>("GET", `/Accounts/${this.accountSid}/IncomingPhoneNumbers.json?${query}`);
    return { numbers: page.incoming_phone_numbers, nextPageToken: pageTokenOf(page.next_page_uri) };
  }

  getIncomingNumber(sid: string): Promise<TwilioIncomingNumber> {
    return this.#request("GET", `/Accounts/${this.accountSid}/IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`);
  }

  updateIncomingNumber(sid: string, fields: TwilioNumberVoiceFields): Promise<TwilioIncomingNumber> {
    return this.#request("POST", `/Accounts/${this.accountSid}/IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`, fields as Record<string, string | undefined>);
  }

  createCall(params: TwilioCreateCall): Promise<TwilioCall> {
    const { StatusCallbackEvent, ...rest } = params;
    const form: [string, string][] = Object.entries(rest).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]]));
    for (const event of StatusCallbackEvent) form.push(["StatusCallbackEvent", event]);
    return this.#request("POST", `/Accounts/${this.accountSid}/Calls.json`, form);
  }

  /** Ends a live call (`Status=completed`), cancels a ringing one, or hands it new TwiML. */
  updateCall(sid: string, params: { Status?: "completed" | "canceled"; Twiml?: string }): Promise<TwilioCall> {
    return this.#request("POST", `/Accounts/${this.accountSid}/Calls/${encodeURIComponent(sid)}.json`, params as Record<string, string | undefined>);
  }

  async #request<T>(method: "GET" | "POST", path: string, body?: Record<string, string | undefined> | [string, string][]): Promise<T> {
    let form: URLSearchParams | undefined;
    if (body) {
      form = new URLSearchParams();
      for (const [k, v] of Array.isArray(body) ? body : Object.entries(body)) if (v !== undefined) form.append(k, v);
    }
    return (await twilioRequest(this.#opts, method, `${this.#opts.baseUrl}/${apiVersion}${path}`, form, { emptyOk: false })) as T;
  }
}

/**
 * One call to a Twilio API (the 2010 REST API and the Trunking API share auth, form encoding and
 * error body): basic auth, a form body when given, JSON back. Twilio unreachable or silent is a
 * status-0 TwilioApiError; an error answer carries Twilio's `{ code, message, more_info }` and
 * Retry-After. `emptyOk` accepts a 204 or empty body (DELETE) as null.
 */
export async function twilioRequest(
  opts: { credentials: TwilioCredentials; timeoutMs: number; fetch?: typeof fetch | undefined },
  method: "GET" | "POST" | "DELETE",
  url: string,
  form: URLSearchParams | undefined,
  { emptyOk }: { emptyOk: boolean },
): Promise<unknown> {
  const { auth, accountSid } = opts.credentials;
  const user = auth.type === "api_key" ? auth.apiKeySid : accountSid;
  const password = auth.type === "api_key" ? auth.apiKeySecret : auth.authToken;
  const headers: Record<string, string> = { authorization: `Basic ${btoa(`${user}:${password}`)}`, accept: "application/json" };
  let payload: string | undefined;
  if (form) {
    payload = form.toString();
    headers["content-type"] = "application/x-www-form-urlencoded";
  }
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { method, headers, body: payload, signal: AbortSignal.timeout(opts.timeoutMs), redirect: "manual" });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new TwilioApiError(timedOut ? "Twilio did not answer in time" : "Twilio could not be reached", 0, null, null, null);
  }
  const text = await res.text();
  if (res.ok) {
    if (emptyOk && (res.status === 204 || text === "")) return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new TwilioApiError("Twilio answered with something other than JSON", 502, null, null, null);
    }
  }
  let code: number | null = null;
  let message = `Twilio answered ${res.status}`;
  let moreInfo: string | null = null;
  try {
    const problem = JSON.parse(text) as { code?: unknown; message?: unknown; more_info?: unknown };
    if (typeof problem.code === "number") code = problem.code;
    if (typeof problem.message === "string") message = problem.message.slice(0, 500);
    if (typeof problem.more_info === "string") moreInfo = problem.more_info.slice(0, 500);
  } catch {
    // Not Twilio's JSON error: the status says enough.
  }
  const retryAfter = Number(res.headers.get("retry-after"));
  throw new TwilioApiError(message, res.status, code, moreInfo, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
}

function pageTokenOf(nextPageUri: string | null): string | null {
  if (!nextPageUri) return null;
  const query = new URLSearchParams(nextPageUri.split("?")[1] ?? "");
  const kept = new URLSearchParams();
  for (const k of pageKeys) {
    const v = query.get(k);
    if (v !== null) kept.set(k, v);
  }
  return kept.size > 0 ? kept.toString() : null;
}
