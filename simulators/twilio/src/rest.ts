// Twilio's REST API 2010-04-01, the subset the platform calls (https://www.twilio.com/docs/voice/api):
// the account, incoming phone numbers (list with paging, read, update) and calls (create, read,
// update). Form-encoded requests, HTTP basic auth with Account SID + Auth Token or an API key
// SID + secret, JSON answers shaped as Twilio documents them, Twilio's error bodies and codes.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Call } from "./call.ts";
import type { DialBook, SimConfig } from "./dials.ts";
import { HttpError, readBody, sendJson } from "./http.ts";
import type { Account, IncomingNumber } from "./model.ts";
import { rfc2822 } from "./status.ts";

export interface RestWorld {
  accounts: Map<string, Account>;
  calls: Map<string, Call>;
  callsPerSecond: number | null;
  /** Create-call requests and live calls per destination (GET /sim/dials). */
  dials: DialBook;
  /** Changed at run time by PUT /sim/config. */
  config: SimConfig;
  createCall(account: Account, form: URLSearchParams): Call;
}

const base = "/2010-04-01";
export const e164 = /^\+[1-9]\d{6,14}$/;

export function authenticate(world: RestWorld, req: IncomingMessage): Account {
  const header = req.headers.authorization ?? "";
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  const unauthorized = new HttpError(401, 20003, "Authenticate", { "www-authenticate": 'Basic realm="Twilio API"' });
  if (!m?.[1]) throw unauthorized;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw unauthorized;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  for (const account of world.accounts.values()) {
    if (account.sid === user && account.authToken === password) return account;
    if (account.apiKeys.some((k) => k.sid === user && k.secret === password)) return account;
  }
  throw unauthorized;
}

function notFound(path: string): HttpError {
  return new HttpError(404, 20404, `The requested resource ${path} was not found`);
}

function formatted(number: string): string {
  const us = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(number);
  return us ? `(${us[1]}) ${us[2]}-${us[3]}` : number;
}

export function numberJson(n: IncomingNumber): Record<string, unknown> {
  const uri = `${base}/Accounts/${n.accountSid}/IncomingPhoneNumbers/${n.sid}.json`;
  return {
    account_sid: n.accountSid,
    address_requirements: "none",
    address_sid: null,
    api_version: "2010-04-01",
    beta: false,
    bundle_sid: null,
    capabilities: { voice: true, sms: true, mms: true, fax: false },
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    emergency_address_sid: null,
    emergency_address_status: "unregistered",
    emergency_status: "Inactive",
    friendly_name: n.friendlyName,
    identity_sid: null,
    origin: "twilio",
    phone_number: n.phoneNumber,
    sid: n.sid,
    sms_application_sid: "",
    sms_fallback_method: "POST",
    sms_fallback_url: "",
    sms_method: "POST",
    sms_url: "",
    status: "in-use",
    status_callback: n.statusCallback ?? "",
    status_callback_method: n.statusCallbackMethod,
    subresource_uris: { assigned_add_ons: `${uri.replace(/\.json$/, "")}/AssignedAddOns.json` },
    trunk_sid: null,
    uri,
    voice_application_sid: n.voiceApplicationSid ?? "",
    voice_caller_id_lookup: n.voiceCallerIdLookup,
    voice_fallback_method: n.voiceFallbackMethod,
    voice_fallback_url: n.voiceFallbackUrl ?? "",
    voice_method: n.voiceMethod,
    voice_receive_mode: "voice",
    voice_url: n.voiceUrl ?? "",
  };
}

export function callJson(c: Call): Record<string, unknown> {
  const uri = `${base}/Accounts/${c.accountSid}/Calls/${c.sid}.json`;
  const sub = uri.replace(/\.json$/, "");
  const duration = c.isOver ? c.durationS : null;
  return {
    account_sid: c.accountSid,
    annotation: null,
    answered_by: c.answeredBy,
    api_version: "2010-04-01",
    caller_name: c.init.callerName,
    date_created: rfc2822(c.dateCreated),
    date_updated: rfc2822(c.dateUpdated),
    direction: c.init.direction,
    duration: duration === null ? null : String(duration),
    end_time: c.endTime ? rfc2822(c.endTime) : null,
    forwarded_from: null,
    from: c.init.from,
    from_formatted: formatted(c.init.from),
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: c.init.phoneNumberSid,
    price: null,
    price_unit: "USD",
    queue_time: "0",
    sid: c.sid,
    start_time: c.startTime ? rfc2822(c.startTime) : null,
    // "initiated" is a progress event of the callbacks; the resource itself stays "queued" until it rings.
    status: c.status === "initiated" ? "queued" : c.status,
    subresource_uris: { notifications: `${sub}/Notifications.json`, recordings: `${sub}/Recordings.json`, streams: `${sub}/Streams.json`, events: `${sub}/Events.json` },
    to: c.init.to,
    to_formatted: formatted(c.init.to),
    trunk_sid: null,
    uri,
  };
}

function accountJson(a: Account): Record<string, unknown> {
  const uri = `${base}/Accounts/${a.sid}.json`;
  const sub = uri.replace(/\.json$/, "");
  return {
    auth_token: a.authToken,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateCreated),
    friendly_name: a.friendlyName,
    owner_account_sid: a.sid,
    sid: a.sid,
    status: "active",
    subresource_uris: { calls: `${sub}/Calls.json`, incoming_phone_numbers: `${sub}/IncomingPhoneNumbers.json` },
    type: a.trial ? "Trial" : "Full",
    uri,
  };
}

function listNumbers(account: Account, query: URLSearchParams, path: string): Record<string, unknown> {
  const pageSize = Math.max(1, Math.min(1000, Math.trunc(Number(query.get("PageSize") ?? 50)) || 50));
  const page = Math.max(0, Math.trunc(Number(query.get("Page") ?? 0)) || 0);
  const phoneFilter = query.get("PhoneNumber");
  const nameFilter = query.get("FriendlyName");
  const all = account.numbers.filter((n) => (!phoneFilter || n.phoneNumber.includes(phoneFilter.replace(/[^\d+]/g, ""))) && (!nameFilter || n.friendlyName === nameFilter));
  // Twilio's tokens point past the last item of the previous page ("PA" + its sid).
  const token = query.get("PageToken");
  let start = page * pageSize;
  if (token?.startsWith("PA")) {
    const after = all.findIndex((n) => n.sid === token.slice(2));
    if (after >= 0) start = after + 1;
  }
  const items = all.slice(start, start + pageSize);
  const filters = new URLSearchParams();
  if (phoneFilter) filters.set("PhoneNumber", phoneFilter);
  if (nameFilter) filters.set("FriendlyName", nameFilter);
  const pageUri = (p: number, pageToken: string | null): string => {
    const q = new URLSearchParams(filters);
    q.set("PageSize", String(pageSize));
    q.set("Page", String(p));
    if (pageToken) q.set("PageToken", pageToken);
    return `${path}?${q}`;
  };
  const last = items.at(-1);
  const hasNext = last !== undefined && start + items.length < all.length;
  const first = items[0];
  return {
    end: start + Math.max(items.length, 1) - 1,
    first_page_uri: pageUri(0, null),
    incoming_phone_numbers: items.map(numberJson),
    next_page_uri: hasNext ? pageUri(page + 1, `PA${last.sid}`) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 && first ? pageUri(page - 1, `PB${first.sid}`) : null,
    start,
    uri: `${path}?${query}`,
  };
}

const urlFields: [string, "voiceUrl" | "voiceFallbackUrl" | "statusCallback"][] = [
  ["VoiceUrl", "voiceUrl"],
  ["VoiceFallbackUrl", "voiceFallbackUrl"],
  ["StatusCallback", "statusCallback"],
];
const methodFields: [string, "voiceMethod" | "voiceFallbackMethod" | "statusCallbackMethod"][] = [
  ["VoiceMethod", "voiceMethod"],
  ["VoiceFallbackMethod", "voiceFallbackMethod"],
  ["StatusCallbackMethod", "statusCallbackMethod"],
];

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

function updateNumber(n: IncomingNumber, form: URLSearchParams): void {
  for (const [field, key] of urlFields) {
    const v = form.get(field);
    if (v === null) continue;
    if (v !== "" && !isHttpUrl(v)) throw new HttpError(400, 21502, `${field} is not a valid URL: ${v}`);
    n[key] = v === "" ? null : v;
  }
  for (const [field, key] of methodFields) {
    const v = form.get(field);
    if (v === null) continue;
    const m = v.toUpperCase();
    if (m !== "GET" && m !== "POST") throw new HttpError(400, 20001, `${field} must be GET or POST`);
    n[key] = m;
  }
  const app = form.get("VoiceApplicationSid");
  if (app !== null) {
    if (app !== "" && !/^AP[0-9a-f]{32}$/.test(app)) throw new HttpError(400, 21404, `VoiceApplicationSid ${app} is not valid`);
    n.voiceApplicationSid = app === "" ? null : app;
  }
  const name = form.get("FriendlyName");
  if (name !== null) n.friendlyName = name.slice(0, 64);
  const lookup = form.get("VoiceCallerIdLookup");
  if (lookup !== null) n.voiceCallerIdLookup = lookup === "true";
  n.dateUpdated = new Date();
}

function updateCall(call: Call, form: URLSearchParams): void {
  const status = form.get("Status");
  const twiml = form.get("Twiml");
  const url = form.get("Url");
  if (status !== null && status !== "completed" && status !== "canceled") throw new HttpError(400, 20001, "Status must be completed or canceled");
  if ((twiml !== null || url !== null) && call.isOver) throw new HttpError(400, 21220, "Call is not in-progress. Cannot redirect.");
  if (url !== null && !isHttpUrl(url)) throw new HttpError(400, 21205, `Url is not a valid URL: ${url}`);
  if (status === "completed") {
    call.end(call.answered ? "completed" : "canceled", "api");
    return;
  }
  if (status === "canceled") {
    if (!call.answered) call.end("canceled", "api");
    return;
  }
  if (twiml !== null) call.replaceTwiml(twiml);
  else if (url !== null) {
    const method = (form.get("Method") ?? "POST").toUpperCase() === "GET" ? "GET" : "POST";
    const redirect = `<?xml version="1.0" encoding="UTF-8"?><Response><Redirect method="${method}">${url.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</Redirect></Response>`;
    call.replaceTwiml(redirect);
  }
}

/** Handles a request under /2010-04-01; throws HttpError for Twilio's error answers. */
export async function handleRest(world: RestWorld, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname;
  const m = /^\/2010-04-01\/Accounts\/([^/]+?)(?:\.json|\/(IncomingPhoneNumbers|Calls)(?:\.json|\/([^/]+?)\.json))$/.exec(path);
  const account = authenticate(world, req);
  if (!m) throw notFound(path);
  const [, accountSid, collection, sid] = m;
  if (accountSid !== account.sid) throw notFound(path);
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "POST") throw new HttpError(405, 20004, "Method not allowed");
  const form = method === "POST" ? new URLSearchParams(await readBody(req)) : new URLSearchParams();
  if (!collection) {
    if (method !== "GET") throw new HttpError(405, 20004, "Method not allowed");
    return sendJson(res, 200, accountJson(account));
  }
  if (collection === "IncomingPhoneNumbers") {
    if (!sid) {
      if (method !== "GET") throw new HttpError(405, 20004, "Method not allowed");
      return sendJson(res, 200, listNumbers(account, url.searchParams, path));
    }
    const n = account.numbers.find((x) => x.sid === sid);
    if (!n) throw notFound(path);
    if (method === "POST") updateNumber(n, form);
    return sendJson(res, 200, numberJson(n));
  }
  if (!sid) {
    if (method !== "POST") throw new HttpError(405, 20004, "Method not allowed");
    const to = form.get("To") ?? "";
    world.dials.requested(to);
    // A provider of fixed latency (PUT /sim/config): the request is handled once it has waited.
    if (world.config.createCallLatencyMs > 0) await new Promise((r) => setTimeout(r, world.config.createCallLatencyMs));
    const now = Date.now();
    account.recentCreates = account.recentCreates.filter((t) => now - t < 1000);
    if (world.callsPerSecond !== null && account.recentCreates.length >= world.callsPerSecond) {
      throw new HttpError(429, 20429, "Too Many Requests", { "retry-after": "1" });
    }
    const call = world.createCall(account, form);
    account.recentCreates.push(now);
    let live = 0;
    for (const c of world.calls.values()) if (c.init.to === call.init.to && !c.isOver) live++;
    world.dials.created(call.init.to, live);
    return sendJson(res, 201, callJson(call));
  }
  const call = world.calls.get(sid);
  if (!call || call.accountSid !== account.sid) throw notFound(path);
  if (method === "POST") updateCall(call, form);
  return sendJson(res, 200, callJson(call));
}
