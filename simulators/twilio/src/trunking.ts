// Twilio's Elastic SIP Trunking API, the subset the platform calls to put a trunk in front of
// LiveKit (https://www.twilio.com/docs/sip-trunking/api; shapes from twilio-oai
// twilio_trunking_v1.json and twilio_api_v2010.json). Real Twilio serves it at
// trunking.twilio.com/v1; the simulator serves it on its own origin beside /2010-04-01:
//   /v1/Trunks[/{TK}]                                   list, create (FriendlyName, DomainName), read, delete
//   /v1/Trunks/{TK}/OriginationUrls[/{OU}]              list, create (Weight, Priority, Enabled, FriendlyName, SipUrl: all required), delete
//   /v1/Trunks/{TK}/CredentialLists[/{CL}]              list, associate (CredentialListSid), dissociate
//   /v1/Trunks/{TK}/PhoneNumbers[/{PN}]                 list, attach (PhoneNumberSid), detach
//   /2010-04-01/Accounts/{AC}/SIP/CredentialLists[/{CL}].json                list, create (FriendlyName ≤ 64), read, delete
//   /2010-04-01/Accounts/{AC}/SIP/CredentialLists/{CL}/Credentials[/{CR}].json  list, create (Username ≤ 32, Password), delete
// v1 lists answer `{<key>: [...], meta: {page, page_size, first_page_url, previous_page_url, url,
// next_page_url, key}}`; 2010 lists `{<key>: [...], page, page_size, start, end, uri,
// first_page_uri, next_page_uri, previous_page_uri}`; creates answer 201, deletes 204.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError, readBody, sendJson } from "./http.ts";
import type { Account } from "./model.ts";
import { rfc2822 } from "./status.ts";

interface Trunk {
  sid: string;
  accountSid: string;
  friendlyName: string | null;
  domainName: string | null;
  credentialLists: Set<string>;
  /** Incoming number sids attached to the trunk. */
  phoneNumbers: Set<string>;
  dateCreated: Date;
}
interface OriginationUrl {
  sid: string;
  trunkSid: string;
  friendlyName: string;
  sipUrl: string;
  weight: number;
  priority: number;
  enabled: boolean;
  dateCreated: Date;
}
interface CredentialList {
  sid: string;
  accountSid: string;
  friendlyName: string;
  credentials: Map<string, { sid: string; username: string; dateCreated: Date }>;
  dateCreated: Date;
}

/** Trunking state, beside the REST world's accounts (credentials, numbers). */
export class TrunkingState {
  readonly trunks = new Map<string, Trunk>();
  readonly originationUrls = new Map<string, OriginationUrl>();
  readonly credentialLists = new Map<string, CredentialList>();

  /** The trunk a number is attached to, if any (GET /sim/… and tests). */
  trunkOf(phoneNumberSid: string): string | null {
    for (const t of this.trunks.values()) if (t.phoneNumbers.has(phoneNumberSid)) return t.sid;
    return null;
  }
}

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString("hex")}`;
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
const v1Origin = (req: IncomingMessage) => `http://${req.headers.host ?? "127.0.0.1"}`;
const sipPath = /^\/2010-04-01\/Accounts\/([^/]+)\/SIP\/CredentialLists(?:\/([^/]+?)(?:\/Credentials(?:\/([^/]+?))?)?)?\.json$/;

/** Whether the simulator's Trunking routes answer this path. */
export function isTrunkingPath(path: string): boolean {
  return path === "/v1/Trunks" || path.startsWith("/v1/Trunks/") || sipPath.test(path);
}

function paged<T>(items: T[], query: URLSearchParams): { slice: T[]; page: number; size: number; more: boolean } {
  const size = Math.min(Math.max(Number(query.get("PageSize") ?? 50) || 50, 1), 1000);
  const page = Math.max(Number(query.get("Page") ?? 0) || 0, 0);
  return { slice: items.slice(page * size, page * size + size), page, size, more: (page + 1) * size < items.length };
}

function v1List<T>(origin: string, path: string, key: string, items: T[], query: URLSearchParams): Record<string, unknown> {
  const { slice, page, size, more } = paged(items, query);
  const at = (p: number) => `${origin}${path}?PageSize=${size}&Page=${p}`;
  return { [key]: slice, meta: { page, page_size: size, first_page_url: at(0), previous_page_url: page > 0 ? at(page - 1) : null, url: at(page), next_page_url: more ? at(page + 1) : null, key } };
}

function list2010<T>(path: string, key: string, items: T[], query: URLSearchParams): Record<string, unknown> {
  const { slice, page, size, more } = paged(items, query);
  const at = (p: number) => `${path}?PageSize=${size}&Page=${p}`;
  const start = page * size;
  return { [key]: slice, page, page_size: size, start, end: start + Math.max(slice.length - 1, 0), uri: at(page), first_page_uri: at(0), previous_page_uri: page > 0 ? at(page - 1) : null, next_page_uri: more ? at(page + 1) : null };
}

function required(form: URLSearchParams, names: string[]): void {
  const missing = names.filter((n) => !form.get(n));
  if (missing.length > 0) throw new HttpError(400, 20001, `Missing required parameter ${missing.join(", ")} in the post body`);
}

function int(form: URLSearchParams, name: string, min: number, max: number): number {
  const v = Number(form.get(name));
  if (!Number.isInteger(v) || v < min || v > max) throw new HttpError(400, 20001, `${name} must be an integer from ${min} to ${max}`);
  return v;
}

/** Handles a Trunking request for an authenticated account; throws HttpError for Twilio's error answers. */
export async function handleTrunking(state: TrunkingState, account: Account, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "POST" && method !== "DELETE") throw new HttpError(405, 20004, "Method not allowed");
  const form = method === "POST" ? new URLSearchParams(await readBody(req)) : new URLSearchParams();
  const notFound = () => new HttpError(404, 20404, `The requested resource ${url.pathname} was not found`);
  const done = () => void res.writeHead(204).end();

  const sip = sipPath.exec(url.pathname);
  if (sip) {
    const [, accountSid, listSid, credentialSid] = sip;
    if (accountSid !== account.sid) throw notFound();
    const base = `/2010-04-01/Accounts/${account.sid}/SIP/CredentialLists`;
    const listJson = (l: CredentialList) => ({ account_sid: l.accountSid, date_created: rfc2822(l.dateCreated), date_updated: rfc2822(l.dateCreated), friendly_name: l.friendlyName, sid: l.sid, subresource_uris: { credentials: `${base}/${l.sid}/Credentials.json` }, uri: `${base}/${l.sid}.json` });
    if (!listSid) {
      if (method === "GET") return sendJson(res, 200, list2010(url.pathname, "credential_lists", [...state.credentialLists.values()].filter((l) => l.accountSid === account.sid).map(listJson), url.searchParams));
      if (method !== "POST") throw new HttpError(405, 20004, "Method not allowed");
      required(form, ["FriendlyName"]);
      const friendlyName = form.get("FriendlyName") ?? "";
      if (friendlyName.length > 64) throw new HttpError(400, 20001, "FriendlyName must be at most 64 characters");
      const l: CredentialList = { sid: sid("CL"), accountSid: account.sid, friendlyName, credentials: new Map(), dateCreated: new Date() };
      state.credentialLists.set(l.sid, l);
      return sendJson(res, 201, listJson(l));
    }
    const l = state.credentialLists.get(listSid);
    if (!l || l.accountSid !== account.sid) throw notFound();
    if (!url.pathname.includes("/Credentials")) {
      if (method === "GET") return sendJson(res, 200, listJson(l));
      if (method !== "DELETE") throw new HttpError(405, 20004, "Method not allowed");
      state.credentialLists.delete(l.sid);
      for (const t of state.trunks.values()) t.credentialLists.delete(l.sid);
      return done();
    }
    const credJson = (c: { sid: string; username: string; dateCreated: Date }) => ({ sid: c.sid, account_sid: account.sid, credential_list_sid: l.sid, username: c.username, date_created: rfc2822(c.dateCreated), date_updated: rfc2822(c.dateCreated), uri: `${base}/${l.sid}/Credentials/${c.sid}.json` });
    if (!credentialSid) {
      if (method === "GET") return sendJson(res, 200, list2010(url.pathname, "credentials", [...l.credentials.values()].map(credJson), url.searchParams));
      if (method !== "POST") throw new HttpError(405, 20004, "Method not allowed");
      required(form, ["Username", "Password"]);
      const username = form.get("Username") ?? "";
      const password = form.get("Password") ?? "";
      if (username.length > 32) throw new HttpError(400, 20001, "Username must be at most 32 characters");
      // Documented: at least 12 characters, a digit, mixed case. Only its digest would be kept; the simulator keeps nothing.
      if (password.length < 12 || !/\d/.test(password) || !/[a-z]/.test(password) || !/[A-Z]/.test(password)) throw new HttpError(400, 20001, "Password must be at least 12 characters with a digit and mixed case");
      if ([...l.credentials.values()].some((c) => c.username === username)) throw new HttpError(409, 20001, `Username ${username} already exists in this credential list`);
      const c = { sid: sid("CR"), username, dateCreated: new Date() };
      l.credentials.set(c.sid, c);
      return sendJson(res, 201, credJson(c));
    }
    const c = l.credentials.get(credentialSid);
    if (!c) throw notFound();
    if (method === "GET") return sendJson(res, 200, credJson(c));
    if (method !== "DELETE") throw new HttpError(405, 20004, "Method not allowed");
    l.credentials.delete(c.sid);
    return done();
  }

  const m = /^\/v1\/Trunks(?:\/([^/]+)(?:\/(OriginationUrls|CredentialLists|PhoneNumbers)(?:\/([^/]+))?)?)?$/.exec(url.pathname);
  if (!m) throw notFound();
  const [, trunkSid, sub, itemSid] = m;
  const origin = v1Origin(req);
  const trunkUrl = (t: Trunk) => `${origin}/v1/Trunks/${t.sid}`;
  const trunkJson = (t: Trunk) => {
    const auth = t.credentialLists.size > 0 ? "CREDENTIAL_LIST" : "";
    const at = trunkUrl(t);
    return {
      sid: t.sid,
      account_sid: t.accountSid,
      domain_name: t.domainName,
      disaster_recovery_method: null,
      disaster_recovery_url: null,
      friendly_name: t.friendlyName,
      secure: false,
      cnam_lookup_enabled: false,
      recording: { mode: "do-not-record", trim: "do-not-trim" },
      transfer_mode: "disable-all",
      transfer_caller_id: "from-transferee",
      auth_type: auth,
      auth_type_set: auth ? [auth] : [],
      date_created: iso(t.dateCreated),
      date_updated: iso(t.dateCreated),
      url: at,
      links: { origination_urls: `${at}/OriginationUrls`, credential_lists: `${at}/CredentialLists`, ip_access_control_lists: `${at}/IpAccessControlLists`, phone_numbers: `${at}/PhoneNumbers` },
    };
  };
  if (!trunkSid) {
    if (method === "GET") return sendJson(res, 200, v1List(origin, url.pathname, "trunks", [...state.trunks.values()].filter((t) => t.accountSid === account.sid).map(trunkJson), url.searchParams));
    if (method !== "POST") throw new HttpError(405, 20004, "Method not allowed");
    const domainName = form.get("DomainName");
    if (domainName !== null && !/^[A-Za-z0-9-]+\.pstn\.twilio\.com$/.test(domainName)) throw new HttpError(400, 20001, "DomainName can contain letters, digits and - and must end with pstn.twilio.com");
    if (domainName !== null && [...state.trunks.values()].some((t) => t.domainName === domainName)) throw new HttpError(409, 20001, `DomainName ${domainName} is already taken`);
    const t: Trunk = { sid: sid("TK"), accountSid: account.sid, friendlyName: form.get("FriendlyName"), domainName, credentialLists: new Set(), phoneNumbers: new Set(), dateCreated: new Date() };
    state.trunks.set(t.sid, t);
    return sendJson(res, 201, trunkJson(t));
  }
  const t = state.trunks.get(trunkSid);
  if (!t || t.accountSid !== account.sid) throw notFound();
  if (!sub) {
    if (method === "GET") return sendJson(res, 200, trunkJson(t));
    if (method !== "DELETE") throw new HttpError(405, 20004, "Method not allowed");
    // A trunk takes its origination URLs, list associations and numbers with it.
    state.trunks.delete(t.sid);
    for (const u of state.originationUrls.values()) if (u.trunkSid === t.sid) state.originationUrls.delete(u.sid);
    return done();
  }
  const at = `${trunkUrl(t)}/${sub}`;
  if (sub === "OriginationUrls") {
    const urlJson = (u: OriginationUrl) => ({ account_sid: t.accountSid, sid: u.sid, trunk_sid: t.sid, weight: u.weight, enabled: u.enabled, sip_url: u.sipUrl, friendly_name: u.friendlyName, priority: u.priority, date_created: iso(u.dateCreated), date_updated: iso(u.dateCreated), url: `${at}/${u.sid}` });
    if (itemSid) {
      const u = state.originationUrls.get(itemSid);
      if (!u || u.trunkSid !== t.sid) throw notFound();
      if (method === "GET") return sendJson(res, 200, urlJson(u));
      if (method !== "DELETE") throw new HttpError(405, 20004, "Method not allowed");
      state.originationUrls.delete(u.sid);
      return done();
    }
    if (method === "GET") return sendJson(res, 200, v1List(origin, url.pathname, "origination_urls", [...state.originationUrls.values()].filter((u) => u.trunkSid === t.sid).map(urlJson), url.searchParams));
    if (method !== "POST") throw new HttpError(405, 20004, "Method not allowed");
    required(form, ["Weight", "Priority", "Enabled", "FriendlyName", "SipUrl"]);
    const sipUrl = form.get("SipUrl") ?? "";
    if (!/^sips?:/.test(sipUrl)) throw new HttpError(400, 20001, "SipUrl must be a sip: URI");
    const enabled = form.get("Enabled");
    if (enabled !== "true" && enabled !== "false") throw new HttpError(400, 20001, "Enabled must be true or false");
    const u: OriginationUrl = { sid: sid("OU"), trunkSid: t.sid, friendlyName: form.get("FriendlyName") ?? "", sipUrl, weight: int(form, "Weight", 1, 65535), priority: int(form, "Priority", 0, 65535), enabled: enabled === "true", dateCreated: new Date() };
    state.originationUrls.set(u.sid, u);
    return sendJson(res, 201, urlJson(u));
  }
  if (sub === "CredentialLists") {
    const assocJson = (clSid: string) => ({ account_sid: t.accountSid, trunk_sid: t.sid, sid: clSid, friendly_name: state.credentialLists.get(clSid)?.friendlyName ?? null, date_created: iso(t.dateCreated), date_updated: iso(t.dateCreated), url: `${at}/${clSid}` });
    if (itemSid) {
      if (!t.credentialLists.has(itemSid)) throw notFound();
      if (method === "GET") return sendJson(res, 200, assocJson(itemSid));
      if (method !== "DELETE") throw new HttpError(405, 20004, "Method not allowed");
      t.credentialLists.delete(itemSid);
      return done();
    }
    if (method === "GET") return sendJson(res, 200, v1List(origin, url.pathname, "credential_lists", [...t.credentialLists].map(assocJson), url.searchParams));
    if (method !== "POST") throw new HttpError(405, 20004, "Method not allowed");
    required(form, ["CredentialListSid"]);
    const clSid = form.get("CredentialListSid") ?? "";
    if (state.credentialLists.get(clSid)?.accountSid !== account.sid) throw new HttpError(400, 20001, `CredentialListSid ${clSid} is not a credential list of this account`);
    t.credentialLists.add(clSid);
    return sendJson(res, 201, assocJson(clSid));
  }
  const numberJson = (pn: string) => {
    const n = account.numbers.find((x) => x.sid === pn);
    return { sid: pn, account_sid: account.sid, trunk_sid: t.sid, phone_number: n?.phoneNumber ?? null, friendly_name: n?.friendlyName ?? null, api_version: "2010-04-01", voice_url: n?.voiceUrl ?? null, voice_method: n?.voiceMethod ?? null, voice_application_sid: "", status_callback: n?.statusCallback ?? "", address_requirements: "none", beta: false, capabilities: { voice: true, sms: true, mms: true }, date_created: iso(t.dateCreated), date_updated: iso(t.dateCreated), url: `${at}/${pn}`, links: { phone_number: `${origin}/2010-04-01/Accounts/${account.sid}/IncomingPhoneNumbers/${pn}.json` } };
  };
  if (itemSid) {
    if (!t.phoneNumbers.has(itemSid)) throw notFound();
    if (method === "GET") return sendJson(res, 200, numberJson(itemSid));
    if (method !== "DELETE") throw new HttpError(405, 20004, "Method not allowed");
    t.phoneNumbers.delete(itemSid);
    return done();
  }
  if (method === "GET") return sendJson(res, 200, v1List(origin, url.pathname, "phone_numbers", [...t.phoneNumbers].map(numberJson), url.searchParams));
  if (method !== "POST") throw new HttpError(405, 20004, "Method not allowed");
  required(form, ["PhoneNumberSid"]);
  const pn = form.get("PhoneNumberSid") ?? "";
  if (!account.numbers.some((n) => n.sid === pn)) throw new HttpError(400, 20001, `PhoneNumberSid ${pn} is not a number of this account`);
  // A number is on one trunk at a time: attaching it moves it.
  for (const other of state.trunks.values()) other.phoneNumbers.delete(pn);
  t.phoneNumbers.add(pn);
  return sendJson(res, 201, numberJson(pn));
}
