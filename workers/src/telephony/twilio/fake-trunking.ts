// Tests only: Twilio's Elastic SIP Trunking subset in memory, in front of a FakeTwilio (its
// accounts, auth and numbers): trunking.twilio.com/v1 Trunks, OriginationUrls, trunk
// CredentialLists and PhoneNumbers, and api.twilio.com/2010-04-01 SIP CredentialLists and their
// Credentials, answering with the documented shapes (twilio-oai twilio_trunking_v1.json,
// twilio_api_v2010.json; v1 lists carry `meta`, 2010 lists `next_page_uri`). A request can be made
// to fail on demand. Everything else goes on to the FakeTwilio's fetch.
import { fakeSid, type FakeTwilio, type SeenRequest } from "./fake-twilio.ts";

type Json = Record<string, unknown>;

export interface FakeTrunk {
  sid: string;
  account_sid: string;
  friendly_name: string | null;
  domain_name: string | null;
}
export interface FakeOriginationUrl {
  sid: string;
  trunk_sid: string;
  friendly_name: string;
  sip_url: string;
  weight: number;
  priority: number;
  enabled: boolean;
}
export interface FakeCredentialList {
  sid: string;
  account_sid: string;
  friendly_name: string;
}
export interface FakeCredential {
  sid: string;
  credential_list_sid: string;
  username: string;
  /** Kept in clear here so a test can compare it with what LiveKit was given (Twilio keeps a digest). */
  password: string;
}

const iso = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
const rfc2822 = () => new Date().toUTCString().replace("GMT", "+0000");

function problem(status: number, code: number, message: string): Response {
  return new Response(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }), { status, headers: { "content-type": "application/json" } });
}
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export class FakeTrunking {
  readonly trunks = new Map<string, FakeTrunk>();
  readonly originationUrls = new Map<string, FakeOriginationUrl>();
  readonly credentialLists = new Map<string, FakeCredentialList>();
  readonly credentials = new Map<string, FakeCredential>();
  /** trunk sid → credential list sids associated with it. */
  readonly trunkCredentialLists = new Map<string, Set<string>>();
  /** phone number sid → the trunk it is on. */
  readonly numberTrunks = new Map<string, string>();
  readonly requests: SeenRequest[] = [];
  /** The first request matching (method, path end) answers this status instead. */
  failing: { method: string; pathEnd: RegExp; status: number } | null = null;
  readonly #twilio: FakeTwilio;
  readonly #trunkingOrigin = "https://trunking.twilio.com";

  constructor(twilio: FakeTwilio) {
    this.#twilio = twilio;
  }

  /** Requests that changed something (POST or DELETE). */
  mutations(): SeenRequest[] {
    return this.requests.filter((r) => r.method !== "GET");
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const isTrunking = url.origin === this.#trunkingOrigin;
    const sip = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/SIP\/CredentialLists(?:\/(CL[0-9a-f]{32})(?:\/Credentials(?:\/(CR[0-9a-f]{32}))?)?)?\.json$/.exec(url.pathname);
    if (!isTrunking && !(url.origin === this.#twilio.baseUrl && sip)) return this.#twilio.fetch(input, init);
    const form = new URLSearchParams(request.method === "POST" ? new TextDecoder().decode(await request.arrayBuffer()) : "");
    this.requests.push({ method: request.method, path: url.pathname, query: url.searchParams, form, authorization: request.headers.get("authorization") });
    if (this.failing && this.failing.method === request.method && this.failing.pathEnd.test(url.pathname)) {
      const status = this.failing.status;
      this.failing = null;
      return problem(status, 20500, "Internal Server Error");
    }
    const accountSid = this.#authenticate(request.headers.get("authorization"));
    if (!accountSid) return problem(401, 20003, "Authenticate");
    if (sip) {
      if (sip[1] !== accountSid) return problem(404, 20404, "The requested resource was not found");
      return this.#sip(request.method, accountSid, sip[2], sip[3], form, url);
    }
    return this.#trunking(request.method, accountSid, url, form);
  };

  #authenticate(header: string | null): string | undefined {
    const m = /^Basic (.+)$/.exec(header ?? "");
    if (!m?.[1]) return undefined;
    const [user = "", password = ""] = atob(m[1]).split(":");
    const account = this.#twilio.accounts.get(user);
    if (account) return account.authToken === password ? account.sid : undefined;
    return [...this.#twilio.accounts.values()].find((a) => a.apiKeys.get(user) === password)?.sid;
  }

  #sip(method: string, accountSid: string, listSid: string | undefined, credentialSid: string | undefined, form: URLSearchParams, url: URL): Response {
    const base = `/2010-04-01/Accounts/${accountSid}/SIP/CredentialLists`;
    if (!listSid) {
      if (method === "GET") return json(this.#page2010(url, "credential_lists", [...this.credentialLists.values()].filter((l) => l.account_sid === accountSid).map((l) => this.#list(l))));
      if (method !== "POST") return problem(405, 20004, "Method not allowed");
      const friendlyName = form.get("FriendlyName");
      if (!friendlyName || friendlyName.length > 64) return problem(400, 21100, "FriendlyName is required (up to 64 characters)");
      const list: FakeCredentialList = { sid: fakeSid("CL"), account_sid: accountSid, friendly_name: friendlyName };
      this.credentialLists.set(list.sid, list);
      return json(this.#list(list), 201);
    }
    const list = this.credentialLists.get(listSid);
    if (!list || list.account_sid !== accountSid) return problem(404, 20404, `The requested resource ${base}/${listSid}.json was not found`);
    if (!url.pathname.includes("/Credentials")) {
      if (method === "GET") return json(this.#list(list));
      if (method !== "DELETE") return problem(405, 20004, "Method not allowed");
      this.credentialLists.delete(listSid);
      for (const [sid, cr] of this.credentials) if (cr.credential_list_sid === listSid) this.credentials.delete(sid);
      for (const set of this.trunkCredentialLists.values()) set.delete(listSid);
      return new Response(null, { status: 204 });
    }
    if (!credentialSid) {
      const mine = [...this.credentials.values()].filter((cr) => cr.credential_list_sid === listSid);
      if (method === "GET") return json(this.#page2010(url, "credentials", mine.map((cr) => this.#credential(accountSid, cr))));
      if (method !== "POST") return problem(405, 20004, "Method not allowed");
      const username = form.get("Username") ?? "";
      const password = form.get("Password") ?? "";
      if (!username || username.length > 32) return problem(400, 21100, "Username is required (up to 32 characters)");
      if (password.length < 12 || !/\d/.test(password) || !/[a-z]/.test(password) || !/[A-Z]/.test(password)) return problem(400, 21100, "Password must be at least 12 characters with a digit and mixed case");
      if (mine.some((cr) => cr.username === username)) return problem(409, 21100, "Username already exists in this list");
      const cr: FakeCredential = { sid: fakeSid("CR"), credential_list_sid: listSid, username, password };
      this.credentials.set(cr.sid, cr);
      return json(this.#credential(accountSid, cr), 201);
    }
    const cr = this.credentials.get(credentialSid);
    if (!cr || cr.credential_list_sid !== listSid) return problem(404, 20404, "The requested resource was not found");
    if (method !== "DELETE") return json(this.#credential(accountSid, cr));
    this.credentials.delete(credentialSid);
    return new Response(null, { status: 204 });
  }

  #trunking(method: string, accountSid: string, url: URL, form: URLSearchParams): Response {
    const m = /^\/v1\/Trunks(?:\/(TK[0-9a-f]{32})(?:\/(OriginationUrls|CredentialLists|PhoneNumbers)(?:\/([A-Z]{2}[0-9a-f]{32}))?)?)?$/.exec(url.pathname);
    const notFound = () => problem(404, 20404, `The requested resource ${url.pathname} was not found`);
    if (!m) return notFound();
    const [, trunkSid, sub, itemSid] = m;
    if (!trunkSid) {
      if (method === "GET") return json(this.#pageV1(url, "trunks", [...this.trunks.values()].filter((t) => t.account_sid === accountSid).map((t) => this.#trunk(t))));
      if (method !== "POST") return problem(405, 20004, "Method not allowed");
      const domain = form.get("DomainName");
      if (domain && !/^[A-Za-z0-9-]+\.pstn\.twilio\.com$/.test(domain)) return problem(400, 21100, "DomainName must end with pstn.twilio.com");
      if (domain && [...this.trunks.values()].some((t) => t.domain_name === domain)) return problem(409, 21100, "DomainName is already in use");
      const trunk: FakeTrunk = { sid: fakeSid("TK"), account_sid: accountSid, friendly_name: form.get("FriendlyName"), domain_name: domain };
      this.trunks.set(trunk.sid, trunk);
      return json(this.#trunk(trunk), 201);
    }
    const trunk = this.trunks.get(trunkSid);
    if (!trunk || trunk.account_sid !== accountSid) return notFound();
    if (!sub) {
      if (method === "GET") return json(this.#trunk(trunk));
      if (method !== "DELETE") return problem(405, 20004, "Method not allowed");
      this.trunks.delete(trunkSid);
      for (const [sid, u] of this.originationUrls) if (u.trunk_sid === trunkSid) this.originationUrls.delete(sid);
      this.trunkCredentialLists.delete(trunkSid);
      for (const [pn, tk] of this.numberTrunks) if (tk === trunkSid) this.numberTrunks.delete(pn);
      return new Response(null, { status: 204 });
    }
    const at = `${this.#trunkingOrigin}/v1/Trunks/${trunkSid}/${sub}`;
    if (sub === "OriginationUrls") {
      const mine = [...this.originationUrls.values()].filter((u) => u.trunk_sid === trunkSid);
      const view = (u: FakeOriginationUrl) => ({ ...u, account_sid: accountSid, date_created: iso(), date_updated: iso(), url: `${at}/${u.sid}` });
      if (itemSid) {
        const u = this.originationUrls.get(itemSid);
        if (!u || u.trunk_sid !== trunkSid) return notFound();
        if (method !== "DELETE") return json(view(u));
        this.originationUrls.delete(itemSid);
        return new Response(null, { status: 204 });
      }
      if (method === "GET") return json(this.#pageV1(url, "origination_urls", mine.map(view)));
      const missing = ["Weight", "Priority", "Enabled", "FriendlyName", "SipUrl"].filter((k) => !form.get(k));
      if (missing.length > 0) return problem(400, 21100, `Missing required parameter ${missing.join(", ")} in the post body`);
      if (!form.get("SipUrl")!.startsWith("sip:")) return problem(400, 21100, "SipUrl must be a sip: URI");
      const u: FakeOriginationUrl = { sid: fakeSid("OU"), trunk_sid: trunkSid, friendly_name: form.get("FriendlyName")!, sip_url: form.get("SipUrl")!, weight: Number(form.get("Weight")), priority: Number(form.get("Priority")), enabled: form.get("Enabled") === "true" };
      this.originationUrls.set(u.sid, u);
      return json(view(u), 201);
    }
    if (sub === "CredentialLists") {
      const set = this.trunkCredentialLists.get(trunkSid) ?? new Set<string>();
      const view = (sid: string) => ({ account_sid: accountSid, trunk_sid: trunkSid, sid, friendly_name: this.credentialLists.get(sid)?.friendly_name ?? null, date_created: iso(), date_updated: iso(), url: `${at}/${sid}` });
      if (itemSid) {
        if (!set.has(itemSid)) return notFound();
        if (method !== "DELETE") return json(view(itemSid));
        set.delete(itemSid);
        return new Response(null, { status: 204 });
      }
      if (method === "GET") return json(this.#pageV1(url, "credential_lists", [...set].map(view)));
      const sid = form.get("CredentialListSid") ?? "";
      if (!this.credentialLists.has(sid)) return problem(400, 21100, "CredentialListSid is not a credential list of this account");
      set.add(sid);
      this.trunkCredentialLists.set(trunkSid, set);
      return json(view(sid), 201);
    }
    const view = (pn: string) => {
      const n = this.#twilio.numbers.get(pn);
      return { ...n, trunk_sid: trunkSid, account_sid: accountSid, api_version: "2010-04-01", beta: false, capabilities: { voice: true, sms: true, mms: true }, date_created: iso(), date_updated: iso(), url: `${at}/${pn}`, links: { phone_number: `${this.#twilio.baseUrl}/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${pn}.json` } };
    };
    if (itemSid) {
      if (this.numberTrunks.get(itemSid) !== trunkSid) return notFound();
      if (method !== "DELETE") return json(view(itemSid));
      this.numberTrunks.delete(itemSid);
      return new Response(null, { status: 204 });
    }
    if (method === "GET") return json(this.#pageV1(url, "phone_numbers", [...this.numberTrunks].filter(([, tk]) => tk === trunkSid).map(([pn]) => view(pn))));
    const pn = form.get("PhoneNumberSid") ?? "";
    if (this.#twilio.numbers.get(pn)?.account_sid !== accountSid) return problem(400, 21100, "PhoneNumberSid is not a number of this account");
    this.numberTrunks.set(pn, trunkSid);
    return json(view(pn), 201);
  }

  #trunk(t: FakeTrunk): Json {
    const at = `${this.#trunkingOrigin}/v1/Trunks/${t.sid}`;
    const auth = (this.trunkCredentialLists.get(t.sid)?.size ?? 0) > 0 ? "CREDENTIAL_LIST" : "";
    return {
      ...t,
      disaster_recovery_method: null,
      disaster_recovery_url: null,
      secure: false,
      cnam_lookup_enabled: false,
      recording: { mode: "do-not-record", trim: "do-not-trim" },
      transfer_mode: "disable-all",
      transfer_caller_id: "from-transferee",
      auth_type: auth,
      auth_type_set: auth ? [auth] : [],
      date_created: iso(),
      date_updated: iso(),
      url: at,
      links: { origination_urls: `${at}/OriginationUrls`, credential_lists: `${at}/CredentialLists`, ip_access_control_lists: `${at}/IpAccessControlLists`, phone_numbers: `${at}/PhoneNumbers` },
    };
  }

  #list(l: FakeCredentialList): Json {
    const uri = `/2010-04-01/Accounts/${l.account_sid}/SIP/CredentialLists/${l.sid}`;
    return { ...l, date_created: rfc2822(), date_updated: rfc2822(), subresource_uris: { credentials: `${uri}/Credentials.json` }, uri: `${uri}.json` };
  }

  #credential(accountSid: string, cr: FakeCredential): Json {
    const { password: _secret, ...shown } = cr;
    return { ...shown, account_sid: accountSid, date_created: rfc2822(), date_updated: rfc2822(), uri: `/2010-04-01/Accounts/${accountSid}/SIP/CredentialLists/${cr.credential_list_sid}/Credentials/${cr.sid}.json` };
  }

  /** One page (Page, PageSize; the whole list fits in tests' pages, so next_page_url is null past it). */
  #pageV1(url: URL, key: string, items: Json[]): Json {
    const size = Math.min(Number(url.searchParams.get("PageSize") ?? 50), 1000);
    const page = Number(url.searchParams.get("Page") ?? 0);
    const slice = items.slice(page * size, page * size + size);
    const base = `${url.origin}${url.pathname}`;
    const more = (page + 1) * size < items.length;
    return {
      [key]: slice,
      meta: { page, page_size: size, first_page_url: `${base}?PageSize=${size}&Page=0`, previous_page_url: page > 0 ? `${base}?PageSize=${size}&Page=${page - 1}` : null, url: `${base}?PageSize=${size}&Page=${page}`, next_page_url: more ? `${base}?PageSize=${size}&Page=${page + 1}` : null, key },
    };
  }

  #page2010(url: URL, key: string, items: Json[]): Json {
    const size = Math.min(Number(url.searchParams.get("PageSize") ?? 50), 1000);
    const page = Number(url.searchParams.get("Page") ?? 0);
    const start = page * size;
    const slice = items.slice(start, start + size);
    const more = start + size < items.length;
    return { [key]: slice, start, end: start + slice.length - 1, page, page_size: size, uri: `${url.pathname}${url.search}`, first_page_uri: `${url.pathname}?PageSize=${size}&Page=0`, previous_page_uri: page > 0 ? `${url.pathname}?PageSize=${size}&Page=${page - 1}` : null, next_page_uri: more ? `${url.pathname}?PageSize=${size}&Page=${page + 1}` : null };
  }
}
