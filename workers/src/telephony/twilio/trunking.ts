// Twilio's Elastic SIP Trunking API, the subset that puts a trunk in front of LiveKit
// (twilio-oai spec/json/twilio_trunking_v1.json and twilio_api_v2010.json):
//   trunking.twilio.com/v1/Trunks                          FriendlyName, DomainName      → trunk (TK…), list key "trunks"
//   …/v1/Trunks/{TK}/OriginationUrls                       FriendlyName, SipUrl, Weight, Priority, Enabled (all required) → OU…
//   …/v1/Trunks/{TK}/CredentialLists                       CredentialListSid             → association (CL…)
//   …/v1/Trunks/{TK}/PhoneNumbers                          PhoneNumberSid                → number on the trunk (PN…)
//   DELETE of each instance (…/{Sid}) answers 204; deleting a trunk removes what hangs on it.
//   api.twilio.com/2010-04-01/Accounts/{AC}/SIP/CredentialLists.json              FriendlyName (≤ 64) → CL…
//   …/SIP/CredentialLists/{CL}/Credentials.json                                   Username (≤ 32), Password (≥ 12, a digit, mixed case) → CR…
// v1 lists page with `meta.next_page_url` (absolute); 2010 lists with `next_page_uri` (relative).
// Same auth, form encoding and error body as the REST client: both send through client.ts's twilioRequest.
import { z } from "zod";
import { text } from "@speaknode/contracts";
import { TwilioApiError, twilioRequest, type TwilioCredentials } from "./client.ts";

export interface TrunkingClientOptions {
  /** The 2010 REST API's base (TWILIO_API_BASE_URL). */
  apiBaseUrl: string;
  credentials: TwilioCredentials;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const Trunk = z.object({ sid: text(), friendly_name: text().nullable(), domain_name: text().nullable() });
export type TwilioTrunk = z.infer<typeof Trunk>;
const OriginationUrl = z.object({ sid: text(), sip_url: text().nullable(), enabled: z.boolean().nullable().optional() });
export type TwilioOriginationUrl = z.infer<typeof OriginationUrl>;
const TrunkCredentialList = z.object({ sid: text() });
const TrunkPhoneNumber = z.object({ sid: text(), phone_number: text().nullable() });
const CredentialList = z.object({ sid: text(), friendly_name: text().nullable() });
export type TwilioCredentialList = z.infer<typeof CredentialList>;
const Credential = z.object({ sid: text(), username: text().nullable() });
export type TwilioSipCredential = z.infer<typeof Credential>;

const v1Meta = z.object({ next_page_url: text().nullable().optional() }).optional();
const pageLinks = z.object({ meta: v1Meta, next_page_uri: text().nullable().optional() });

/** Twilio's answer in the documented shape; anything else is Twilio failing (a 502, retryable). */
function shaped<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new TwilioApiError("Twilio answered in an unexpected shape", 502, null, null, null);
  return parsed.data;
}

/** Where the Trunking API lives: trunking.twilio.com beside api.twilio.com; any other base (the
 *  simulator) serves both on one origin. */
export function trunkingBaseUrl(apiBaseUrl: string): string {
  const url = new URL(apiBaseUrl);
  if (url.hostname === "api.twilio.com") url.hostname = "trunking.twilio.com";
  return url.origin;
}

/** Page size for the lists read while looking for what exists. */
const pageSize = 1000;
/** A re-run never pages forever through a huge account. */
const maxPages = 20;

export class TwilioTrunkingClient {
  readonly #opts: TrunkingClientOptions;
  readonly #trunking: string;

  constructor(opts: TrunkingClientOptions) {
    this.#opts = opts;
    this.#trunking = trunkingBaseUrl(opts.apiBaseUrl);
  }

  get #account(): string {
    return `${this.#opts.apiBaseUrl}/2010-04-01/Accounts/${this.#opts.credentials.accountSid}`;
  }

  listTrunks(): Promise<TwilioTrunk[]> {
    return this.#list(`${this.#trunking}/v1/Trunks`, "trunks", Trunk);
  }

  async createTrunk(p: { friendlyName: string; domainName: string }): Promise<TwilioTrunk> {
    return shaped(Trunk, await this.#request("POST", `${this.#trunking}/v1/Trunks`, { FriendlyName: p.friendlyName, DomainName: p.domainName }));
  }

  deleteTrunk(sid: string): Promise<void> {
    return this.#delete(`${this.#trunking}/v1/Trunks/${encodeURIComponent(sid)}`);
  }

  listOriginationUrls(trunkSid: string): Promise<TwilioOriginationUrl[]> {
    return this.#list(`${this.#trunking}/v1/Trunks/${encodeURIComponent(trunkSid)}/OriginationUrls`, "origination_urls", OriginationUrl);
  }

  async createOriginationUrl(trunkSid: string, p: { friendlyName: string; sipUrl: string; weight: number; priority: number; enabled: boolean }): Promise<TwilioOriginationUrl> {
    const form = { FriendlyName: p.friendlyName, SipUrl: p.sipUrl, Weight: String(p.weight), Priority: String(p.priority), Enabled: String(p.enabled) };
    return shaped(OriginationUrl, await this.#request("POST", `${this.#trunking}/v1/Trunks/${encodeURIComponent(trunkSid)}/OriginationUrls`, form));
  }

  deleteOriginationUrl(trunkSid: string, sid: string): Promise<void> {
    return this.#delete(`${this.#trunking}/v1/Trunks/${encodeURIComponent(trunkSid)}/OriginationUrls/${encodeURIComponent(sid)}`);
  }

  async listTrunkCredentialLists(trunkSid: string): Promise<string[]> {
    return (await this.#list(`${this.#trunking}/v1/Trunks/${encodeURIComponent(trunkSid)}/CredentialLists`, "credential_lists", TrunkCredentialList)).map((l) => l.sid);
  }

  async associateCredentialList(trunkSid: string, credentialListSid: string): Promise<void> {
    await this.#request("POST", `${this.#trunking}/v1/Trunks/${encodeURIComponent(trunkSid)}/CredentialLists`, { CredentialListSid: credentialListSid });
  }

  dissociateCredentialList(trunkSid: string, credentialListSid: string): Promise<void> {
    return this.#delete(`${this.#trunking}/v1/Trunks/${encodeURIComponent(trunkSid)}/CredentialLists/${encodeURIComponent(credentialListSid)}`);
  }

  async listTrunkPhoneNumbers(trunkSid: string): Promise<string[]> {
    return (await this.#list(`${this.#trunking}/v1/Trunks/${encodeURIComponent(trunkSid)}/PhoneNumbers`, "phone_numbers", TrunkPhoneNumber)).map((n) => n.sid);
  }

  /** Twilio then routes the number's calls by the trunk; its voice URL and TwiML App are ignored. */
  async addTrunkPhoneNumber(trunkSid: string, phoneNumberSid: string): Promise<void> {
    await this.#request("POST", `${this.#trunking}/v1/Trunks/${encodeURIComponent(trunkSid)}/PhoneNumbers`, { PhoneNumberSid: phoneNumberSid });
  }

  removeTrunkPhoneNumber(trunkSid: string, phoneNumberSid: string): Promise<void> {
    return this.#delete(`${this.#trunking}/v1/Trunks/${encodeURIComponent(trunkSid)}/PhoneNumbers/${encodeURIComponent(phoneNumberSid)}`);
  }

  listCredentialLists(): Promise<TwilioCredentialList[]> {
    return this.#list(`${this.#account}/SIP/CredentialLists.json`, "credential_lists", CredentialList);
  }

  async createCredentialList(friendlyName: string): Promise<TwilioCredentialList> {
    return shaped(CredentialList, await this.#request("POST", `${this.#account}/SIP/CredentialLists.json`, { FriendlyName: friendlyName }));
  }

  deleteCredentialList(sid: string): Promise<void> {
    return this.#delete(`${this.#account}/SIP/CredentialLists/${encodeURIComponent(sid)}.json`);
  }

  listCredentials(credentialListSid: string): Promise<TwilioSipCredential[]> {
    return this.#list(`${this.#account}/SIP/CredentialLists/${encodeURIComponent(credentialListSid)}/Credentials.json`, "credentials", Credential);
  }

  async createCredential(credentialListSid: string, p: { username: string; password: string }): Promise<TwilioSipCredential> {
    return shaped(Credential, await this.#request("POST", `${this.#account}/SIP/CredentialLists/${encodeURIComponent(credentialListSid)}/Credentials.json`, { Username: p.username, Password: p.password }));
  }

  deleteCredential(credentialListSid: string, sid: string): Promise<void> {
    return this.#delete(`${this.#account}/SIP/CredentialLists/${encodeURIComponent(credentialListSid)}/Credentials/${encodeURIComponent(sid)}.json`);
  }

  /** Every page of a list (Twilio's next-page link is followed only on Twilio's own origins). */
  async #list<T extends z.ZodType>(url: string, key: string, item: T): Promise<z.infer<T>[]> {
    const out: z.infer<T>[] = [];
    let next: string | null = `${url}?PageSize=${pageSize}`;
    for (let i = 0; next && i < maxPages; i++) {
      const raw = await this.#request("GET", next);
      const items = shaped(z.object({ [key]: z.array(item) }), raw)[key] as z.infer<T>[];
      const links = shaped(pageLinks, raw);
      out.push(...items);
      next = this.#nextUrl(url, links.meta?.next_page_url ?? null, links.next_page_uri ?? null);
    }
    return out;
  }

  #nextUrl(listUrl: string, nextPageUrl: string | null, nextPageUri: string | null): string | null {
    const origin = new URL(listUrl).origin;
    const next = nextPageUrl ? new URL(nextPageUrl) : nextPageUri ? new URL(nextPageUri, origin) : null;
    // The next page is read from the same origin as the list (a link elsewhere is not followed).
    return next ? `${origin}${next.pathname}${next.search}` : null;
  }

  async #delete(url: string): Promise<void> {
    await this.#request("DELETE", url);
  }

  #request(method: "GET" | "POST" | "DELETE", url: string, form?: Record<string, string>): Promise<unknown> {
    return twilioRequest(this.#opts, method, url, form ? new URLSearchParams(form) : undefined, { emptyOk: true });
  }
}
