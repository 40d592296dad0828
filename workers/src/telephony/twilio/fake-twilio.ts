// Tests only: an in-memory Twilio REST API (2010-04-01) answering `fetch` with Twilio's documented
// JSON shapes (twilio-oai, api_v2010: Account, IncomingPhoneNumber and its paged list) and error
// body `{ code, message, more_info, status }`. Basic auth with the Account SID + Auth Token or an
// API key + secret; form-encoded updates. It also fails on demand: unreachable, a status with
// Retry-After, or one number's update. Requests to any other host go to the real fetch.
export interface FakeAccount {
  sid: string;
  authToken: string;
  status: "active" | "suspended" | "closed";
  apiKeys: Map<string, string>;
}

export interface FakeNumber {
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
  capabilities: { voice: boolean; sms: boolean; mms: boolean; fax: boolean };
}

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
  authorization: string | null;
}

export type Outage = { kind: "unreachable" } | { kind: "status"; status: number; retryAfterS?: number };

const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n / 2)), (b) => b.toString(16).padStart(2, "0")).join("");
export const fakeSid = (prefix: string) => `${prefix}${hex(32)}`;
const rfc2822 = (d: Date) => d.toUTCString().replace("GMT", "+0000");

function problem(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }), { status, headers: { "content-type": "application/json", ...headers } });
}

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });

export class FakeTwilio {
  readonly baseUrl: string;
  readonly accounts = new Map<string, FakeAccount>();
  readonly numbers = new Map<string, FakeNumber>();
  readonly requests: SeenRequest[] = [];
  /** Every request fails this way while set. */
  outage: Outage | null = null;
  /** Updates of these numbers answer 500. */
  readonly failingUpdates = new Set<string>();
  readonly #realFetch: typeof fetch;

  constructor(baseUrl = "https://api.twilio.com", realFetch: typeof fetch = globalThis.fetch) {
    this.baseUrl = baseUrl;
    this.#realFetch = realFetch;
  }

  addAccount(o: { status?: FakeAccount["status"] } = {}): { accountSid: string; authToken: string; apiKeySid: string; apiKeySecret: string } {
    const account: FakeAccount = { sid: fakeSid("AC"), authToken: hex(32), status: o.status ?? "active", apiKeys: new Map() };
    const apiKeySid = fakeSid("SK");
    const apiKeySecret = hex(32);
    account.apiKeys.set(apiKeySid, apiKeySecret);
    this.accounts.set(account.sid, account);
    return { accountSid: account.sid, authToken: account.authToken, apiKeySid, apiKeySecret };
  }

  addNumber(accountSid: string, o: Partial<FakeNumber> = {}): FakeNumber {
    const n: FakeNumber = {
      sid: fakeSid("PN"),
      account_sid: accountSid,
      phone_number: `+1415555${String(this.numbers.size).padStart(4, "0")}`,
      friendly_name: null,
      voice_url: "https://old-platform.example.com/voice",
      voice_method: "GET",
      voice_fallback_url: null,
      status_callback: "",
      status_callback_method: "POST",
      voice_application_sid: null,
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      ...o,
    };
    this.numbers.set(n.sid, n);
    return n;
  }

  /** Requests that reached a path ending so (`/IncomingPhoneNumbers/PN….json`). */
  requestsTo(pathEnd: string, method?: string): SeenRequest[] {
    return this.requests.filter((r) => r.path.endsWith(pathEnd) && (!method || r.method === method));
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    if (!request.url.startsWith(`${this.baseUrl}/`)) return this.#realFetch(input, init);
    const url = new URL(request.url);
    const form = new URLSearchParams(request.method === "POST" ? new TextDecoder().decode(await request.arrayBuffer()) : "");
    this.requests.push({ method: request.method, path: url.pathname, query: url.searchParams, form, authorization: request.headers.get("authorization") });
    if (this.outage?.kind === "unreachable") throw new TypeError("fetch failed: connection refused");
    if (this.outage) return problem(this.outage.status, 20500, "Service unavailable", this.outage.retryAfterS ? { "retry-after": String(this.outage.retryAfterS) } : {});
    const account = this.#authenticate(request.headers.get("authorization"));
    if (!account) return problem(401, 20003, "Authenticate");
    const route = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})(?:\.json|\/IncomingPhoneNumbers\.json|\/IncomingPhoneNumbers\/([^/]+)\.json)$/.exec(url.pathname);
    const notFound = () => problem(404, 20404, `The requested resource ${url.pathname} was not found`);
    if (!route || route[1] !== account.sid) return notFound();
    if (url.pathname.endsWith(`${account.sid}.json`) && request.method === "GET") return json(this.#account(account));
    if (url.pathname.endsWith("/IncomingPhoneNumbers.json") && request.method === "GET") return json(this.#page(account, url));
    const n = route[2] ? this.numbers.get(decodeURIComponent(route[2])) : undefined;
    if (!n || n.account_sid !== account.sid) return notFound();
    if (request.method === "GET") return json(this.#number(n));
    if (request.method !== "POST") return problem(405, 20004, "Method not allowed");
    if (this.failingUpdates.has(n.sid)) return problem(500, 20500, "Internal Server Error");
    for (const [key, field] of [["VoiceUrl", "voice_url"], ["VoiceMethod", "voice_method"], ["StatusCallback", "status_callback"], ["StatusCallbackMethod", "status_callback_method"], ["VoiceApplicationSid", "voice_application_sid"], ["VoiceFallbackUrl", "voice_fallback_url"]] as const) {
      const value = form.get(key);
      if (value === null) continue;
      if (key.endsWith("Method") && value !== "GET" && value !== "POST") return problem(400, 21202, `${key} is not valid`);
      n[field] = value;
    }
    return json(this.#number(n));
  };

  #authenticate(header: string | null): FakeAccount | undefined {
    const m = /^Basic (.+)$/.exec(header ?? "");
    if (!m?.[1]) return undefined;
    const [user = "", password = ""] = atob(m[1]).split(":");
    const byToken = this.accounts.get(user);
    if (byToken) return byToken.authToken === password ? byToken : undefined;
    return [...this.accounts.values()].find((a) => a.apiKeys.get(user) === password);
  }

  #account(a: FakeAccount) {
    const now = rfc2822(new Date());
    return { auth_token: a.authToken, date_created: now, date_updated: now, friendly_name: "Fake account", owner_account_sid: a.sid, sid: a.sid, status: a.status, type: "Full", uri: `/2010-04-01/Accounts/${a.sid}.json`, subresource_uris: {} };
  }

  #number(n: FakeNumber) {
    const now = rfc2822(new Date());
    return { ...n, address_requirements: "none", api_version: "2010-04-01", beta: false, date_created: now, date_updated: now, identity_sid: null, origin: "twilio", status: "in-use", voice_caller_id_lookup: false, voice_fallback_method: "POST", uri: `/2010-04-01/Accounts/${n.account_sid}/IncomingPhoneNumbers/${n.sid}.json` };
  }

  /** Twilio's list page: PageSize (default 50), Page, and PageToken `PA<last sid of the previous page>`. */
  #page(a: FakeAccount, url: URL) {
    const size = Math.min(Number(url.searchParams.get("PageSize") ?? 50), 1000);
    const page = Number(url.searchParams.get("Page") ?? 0);
    const all = [...this.numbers.values()].filter((n) => n.account_sid === a.sid).sort((x, y) => x.sid.localeCompare(y.sid));
    const token = url.searchParams.get("PageToken");
    const start = token ? all.findIndex((n) => `PA${n.sid}` === token) + 1 : page * size;
    const items = all.slice(start, start + size);
    const base = `/2010-04-01/Accounts/${a.sid}/IncomingPhoneNumbers.json`;
    const last = items.at(-1);
    const more = start + size < all.length && last;
    return {
      first_page_uri: `${base}?PageSize=${size}&Page=0`,
      end: start + items.length - 1,
      previous_page_uri: page > 0 ? `${base}?PageSize=${size}&Page=${page - 1}` : null,
      incoming_phone_numbers: items.map((n) => this.#number(n)),
      uri: `${base}?${url.searchParams}`,
      page_size: size,
      start,
      next_page_uri: more ? `${base}?PageSize=${size}&Page=${page + 1}&PageToken=PA${last.sid}` : null,
      page,
    };
  }
}
