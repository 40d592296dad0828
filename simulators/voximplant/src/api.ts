// The Management API subset the platform calls (https://voximplant.com/docs/references/httpapi):
// `/platform_api/<Method>/` (or `/platform_api` with a `cmd` field, as the official SDKs send it),
// GET query or POST form parameters, `Authorization: Bearer <service-account JWT>`. Answers are
// JSON `{result, count?, total_count?}`; errors come back in the body as `{error: {msg, code}}` with
// HTTP 200.
import type { IncomingMessage, ServerResponse } from "node:http";
import { verifyServiceJwt } from "./jwt.ts";
import type { Account, Application, PhoneNumber, Rule } from "./model.ts";

/** Error codes: the simulator's own (the reference text at hand does not list them); clients should
 *  treat any `error` in the body as a failure and show its msg. */
export const apiErrors = {
  authorization: { code: 100, msg: "Authorization failed" },
  unknownMethod: { code: 101, msg: "Unknown method" },
  badParameter: { code: 102, msg: "Invalid parameter" },
  notFound: { code: 103, msg: "Not found" },
} as const;

export const customDataMaxBytes = 200;

export class ApiError extends Error {
  override name = "ApiError";
  readonly code: number;
  readonly httpStatus: number;
  constructor(error: { code: number; msg: string }, detail?: string, httpStatus = 200) {
    // httpStatus stays 200 for every error VoxImplant answers in the body.
    super(detail ? `${error.msg}: ${detail}` : error.msg);
    this.code = error.code;
    this.httpStatus = httpStatus;
  }
}

export interface StartedScenario {
  sessionId: number;
  accessUrl: string;
  accessSecureUrl: string;
}

export interface ApiWorld {
  accounts: Map<number, Account>;
  /** Runs the rule's application scenario in a new session with that custom data. */
  startScenario(account: Account, application: Application, rule: Rule, customData: string): StartedScenario;
}

type Params = URLSearchParams;

function intParam(params: Params, name: string, required: true): number;
function intParam(params: Params, name: string, required?: false): number | null;
function intParam(params: Params, name: string, required = false): number | null {
  const raw = params.get(name);
  if (raw === null || raw === "") {
    if (required) throw new ApiError(apiErrors.badParameter, `${name} is required`);
    return null;
  }
  if (!/^\d{1,15}$/.test(raw)) throw new ApiError(apiErrors.badParameter, `${name} must be a number`);
  return Number(raw);
}

function page(params: Params): { count: number; offset: number } {
  const count = intParam(params, "count") ?? 20;
  const offset = intParam(params, "offset") ?? 0;
  if (count < 1 || count > 1000) throw new ApiError(apiErrors.badParameter, "count must be 1..1000");
  return { count, offset };
}

function boolParam(params: Params, name: string, fallback: boolean): boolean {
  const raw = params.get(name);
  if (raw === null || raw === "") return fallback;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new ApiError(apiErrors.badParameter, `${name} must be true or false`);
}

// VoxImplant writes dates as "YYYY-MM-DD HH:MM:SS" (UTC).
const when = (d: Date): string => d.toISOString().slice(0, 19).replace("T", " ");

function applicationOf(account: Account, params: Params, required: boolean): Application | null {
  const id = intParam(params, "application_id");
  const name = params.get("application_name");
  if (id === null && !name) {
    if (required) throw new ApiError(apiErrors.badParameter, "application_id or application_name is required");
    return null;
  }
  const app = [...account.applications.values()].find((a) => (id !== null ? a.applicationId === id : a.name === name));
  if (!app) throw new ApiError(apiErrors.notFound, "application");
  return app;
}

const ruleJson = (app: Application, r: Rule) => ({ rule_id: r.ruleId, application_id: app.applicationId, rule_name: r.name, rule_pattern: r.pattern, rule_pattern_exclude: "", video_conference: false, modified: when(r.modified) });

function numberJson(account: Account, n: PhoneNumber) {
  const app = n.applicationId === null ? undefined : account.applications.get(n.applicationId);
  return {
    phone_id: n.phoneId,
    phone_number: n.phoneNumber,
    phone_price: 1,
    phone_country_code: n.phoneNumber.startsWith("1") ? "US" : "XX",
    phone_next_renewal: when(new Date(n.purchased.getTime() + 30 * 86_400_000)).slice(0, 10),
    phone_purchase_date: when(n.purchased),
    deactivated: false,
    canceled: false,
    auto_charge: true,
    ...(app ? { application_id: app.applicationId, application_name: app.name } : {}),
    ...(n.ruleId !== null ? { rule_id: n.ruleId } : {}),
    phone_region_name: "Simulated",
    category_name: "GEOGRAPHIC",
  };
}

type Handler = (account: Account, params: Params, world: ApiWorld) => Record<string, unknown>;

const methods: Record<string, Handler> = {
  GetAccountInfo(account) {
    return {
      result: { account_id: account.accountId, account_name: account.accountName, account_email: account.accountEmail, active: true, frozen: false, balance: 100, currency: "USD", language_code: "en", location: "Etc/GMT", created: when(account.created) },
      api_address: "api.voximplant.com",
    };
  },
  GetApplications(account, params) {
    const { count, offset } = page(params);
    const one = applicationOf(account, params, false);
    const withRules = boolParam(params, "with_rules", false);
    const all = one ? [one] : [...account.applications.values()];
    const result = all.slice(offset, offset + count).map((a) => ({ application_id: a.applicationId, application_name: a.name, modified: when(a.modified), secure_record_storage: false, ...(withRules ? { rules: a.rules.map((r) => ruleJson(a, r)) } : {}) }));
    return { result, count: result.length, total_count: all.length };
  },
  GetRules(account, params) {
    const app = applicationOf(account, params, true);
    if (!app) throw new ApiError(apiErrors.notFound, "application");
    const { count, offset } = page(params);
    const ruleId = intParam(params, "rule_id");
    const ruleName = params.get("rule_name");
    const all = app.rules.filter((r) => (ruleId === null || r.ruleId === ruleId) && (!ruleName || r.name === ruleName));
    const result = all.slice(offset, offset + count).map((r) => ruleJson(app, r));
    return { result, count: result.length, total_count: all.length };
  },
  GetPhoneNumbers(account, params) {
    const { count, offset } = page(params);
    const phoneId = intParam(params, "phone_id");
    const appId = intParam(params, "application_id");
    const number = params.get("phone_number")?.replace(/^\+/, "") ?? null;
    const all = account.numbers.filter((n) => (phoneId === null || n.phoneId === phoneId) && (appId === null || n.applicationId === appId) && (!number || n.phoneNumber === number));
    const result = all.slice(offset, offset + count).map((n) => numberJson(account, n));
    return { result, count: result.length, total_count: all.length };
  },
  BindPhoneNumberToApplication(account, params) {
    const phoneId = intParam(params, "phone_id");
    const number = params.get("phone_number")?.replace(/^\+/, "") ?? null;
    if (phoneId === null && !number) throw new ApiError(apiErrors.badParameter, "phone_id or phone_number is required");
    const phone = account.numbers.find((n) => (phoneId !== null ? n.phoneId === phoneId : n.phoneNumber === number));
    if (!phone) throw new ApiError(apiErrors.notFound, "phone number");
    const bind = boolParam(params, "bind", true);
    const app = applicationOf(account, params, bind);
    const ruleId = intParam(params, "rule_id");
    if (ruleId !== null && !app?.rules.some((r) => r.ruleId === ruleId)) throw new ApiError(apiErrors.notFound, "rule");
    if (bind && app) {
      phone.applicationId = app.applicationId;
      phone.ruleId = ruleId;
    } else if (!app || phone.applicationId === app.applicationId) {
      phone.applicationId = null;
      phone.ruleId = null;
    }
    return { result: 1 };
  },
  StartScenarios(account, params, world) {
    const ruleId = intParam(params, "rule_id");
    const ruleName = params.get("rule_name");
    if (ruleId === null && !ruleName) throw new ApiError(apiErrors.badParameter, "rule_id is required");
    const onlyApp = applicationOf(account, params, false);
    for (const app of onlyApp ? [onlyApp] : account.applications.values()) {
      const rule = app.rules.find((r) => (ruleId !== null ? r.ruleId === ruleId : r.name === ruleName));
      if (!rule) continue;
      if (app.scenario === null) throw new ApiError(apiErrors.notFound, "no scenario is attached to the rule");
      const customData = params.get("script_custom_data") ?? "";
      // VoxEngine's session custom data holds at most 200 bytes (docs: VoxEngine.customData).
      if (Buffer.byteLength(customData) > customDataMaxBytes) throw new ApiError(apiErrors.badParameter, `script_custom_data is at most ${customDataMaxBytes} bytes`);
      const started = world.startScenario(account, app, rule, customData);
      return { result: 1, media_session_access_url: started.accessUrl, media_session_access_secure_url: started.accessSecureUrl, call_session_history_id: started.sessionId };
    }
    throw new ApiError(apiErrors.notFound, "rule");
  },
};

export const apiMethods = Object.keys(methods);

export interface ApiCall {
  method: string;
  params: Params;
  authorization: string | undefined;
}

/** Handles one API call; never throws (errors are answered in the body, as VoxImplant does). */
export function handleApi(world: ApiWorld, call: ApiCall): { status: number; body: Record<string, unknown> } {
  try {
    const handler = Object.hasOwn(methods, call.method) ? methods[call.method] : undefined;
    if (!handler) throw new ApiError(apiErrors.unknownMethod, call.method.slice(0, 60));
    const auth = verifyServiceJwt(call.authorization, world.accounts.values());
    if (!auth.ok) throw new ApiError(apiErrors.authorization, auth.reason);
    return { status: 200, body: handler(auth.account, call.params, world) };
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError(apiErrors.badParameter, err instanceof Error ? err.message : String(err));
    return { status: e.httpStatus, body: { error: { msg: e.message, code: e.code } } };
  }
}

/** The method and parameters of a request to /platform_api: path, query and form body merged. */
export function apiCallOf(req: IncomingMessage, url: URL, body: string): ApiCall | null {
  const m = /^\/platform_api(?:\/([A-Za-z]+))?\/?$/.exec(url.pathname);
  if (!m) return null;
  const params = new URLSearchParams(url.searchParams);
  const type = String(req.headers["content-type"] ?? "");
  if (req.method === "POST" && (type.includes("application/x-www-form-urlencoded") || type === "")) for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  const method = m[1] ?? params.get("cmd") ?? "";
  return { method, params, authorization: req.headers.authorization };
}

export function sendApi(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
