// The Trunking client against Twilio's documented contract (twilio-oai twilio_trunking_v1.json and
// twilio_api_v2010.json): paths on trunking.twilio.com/v1 and api.twilio.com/2010-04-01, the
// required form fields, the documented example answers parsed, every page read through meta's
// next_page_url (never to another origin), 204 deletes, and Twilio's error body as TwilioApiError.
import { describe, expect, it } from "vitest";
import { TwilioApiError, type TwilioCredentials } from "./client.ts";
import { trunkingBaseUrl, TwilioTrunkingClient } from "./trunking.ts";

const accountSid = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const credentials: TwilioCredentials = { accountSid, auth: { type: "api_key", apiKeySid: "SKfedcba9876543210fedcba9876543210", apiKeySecret: "secret-0123456789", authToken: "token-0123456789" } };
const trunkSid = "TKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

interface Seen {
  url: URL;
  method: string;
  headers: Headers;
  form: URLSearchParams;
}

function clientAnswering(answers: (() => Response)[], apiBaseUrl = "https://api.twilio.com") {
  const seen: Seen[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push({ url: new URL(request.url), method: request.method, headers: request.headers, form: new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer())) });
    const answer = answers.shift();
    if (!answer) throw new Error("no answer left");
    return answer();
  };
  return { client: new TwilioTrunkingClient({ apiBaseUrl, credentials, timeoutMs: 1000, fetch: fetchImpl }), seen };
}

const answer = (body: unknown, status = 200) => () => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const noContent = () => new Response(null, { status: 204 });

// The documented examples (twilio-oai), trimmed to what matters.
const trunkExample = { sid: trunkSid, account_sid: accountSid, domain_name: "test.pstn.twilio.com", friendly_name: "friendly_name", secure: false, auth_type: "", auth_type_set: [], url: `https://trunking.twilio.com/v1/Trunks/${trunkSid}` };
const originationExample = { weight: 1, enabled: true, friendly_name: "friendly_name", account_sid: accountSid, priority: 1, sip_url: "sip://sip-box.com:1234", sid: "OUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", trunk_sid: trunkSid };
const v1Meta = (key: string, next: string | null) => ({ page: 0, page_size: 1000, first_page_url: "https://trunking.twilio.com/v1/x", previous_page_url: null, url: "https://trunking.twilio.com/v1/x", next_page_url: next, key });

describe("TwilioTrunkingClient", () => {
  it("serves the Trunking API from trunking.twilio.com beside api.twilio.com, and from the same origin elsewhere (the simulator)", () => {
    expect(trunkingBaseUrl("https://api.twilio.com")).toBe("https://trunking.twilio.com");
    expect(trunkingBaseUrl("http://127.0.0.1:8789")).toBe("http://127.0.0.1:8789");
  });

  it("creates a trunk with FriendlyName and DomainName, form-encoded with basic auth, and parses the documented answer", async () => {
    const { client, seen } = clientAnswering([answer(trunkExample, 201)]);
    expect(await client.createTrunk({ friendlyName: "speaknode-x", domainName: "speaknode-x.pstn.twilio.com" })).toMatchObject({ sid: trunkSid, domain_name: "test.pstn.twilio.com" });
    expect(seen[0]).toMatchObject({ method: "POST", url: new URL("https://trunking.twilio.com/v1/Trunks") });
    expect(Object.fromEntries(seen[0]!.form)).toEqual({ FriendlyName: "speaknode-x", DomainName: "speaknode-x.pstn.twilio.com" });
    expect(seen[0]?.headers.get("authorization")).toBe(`Basic ${btoa("SKfedcba9876543210fedcba9876543210:secret-0123456789")}`);
    expect(seen[0]?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
  });

  it("sends every required field of an origination URL (Weight, Priority, Enabled, FriendlyName, SipUrl)", async () => {
    const { client, seen } = clientAnswering([answer(originationExample, 201)]);
    await client.createOriginationUrl(trunkSid, { friendlyName: "LiveKit", sipUrl: "sip:x.sip.livekit.cloud;transport=tcp", weight: 10, priority: 10, enabled: true });
    expect(seen[0]?.url.pathname).toBe(`/v1/Trunks/${trunkSid}/OriginationUrls`);
    expect(Object.fromEntries(seen[0]!.form)).toEqual({ FriendlyName: "LiveKit", SipUrl: "sip:x.sip.livekit.cloud;transport=tcp", Weight: "10", Priority: "10", Enabled: "true" });
  });

  it("reads every page of a v1 list through meta.next_page_url, and never follows a link to another origin", async () => {
    const { client, seen } = clientAnswering([
      answer({ trunks: [trunkExample], meta: v1Meta("trunks", "https://trunking.twilio.com/v1/Trunks?PageSize=1000&Page=1&PageToken=PTx") }),
      answer({ trunks: [{ ...trunkExample, sid: "TKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" }], meta: v1Meta("trunks", null) }),
    ]);
    expect((await client.listTrunks()).map((t) => t.sid)).toEqual([trunkSid, "TKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"]);
    expect(seen.map((s) => `${s.url.origin}${s.url.pathname}?${s.url.searchParams}`)).toEqual(["https://trunking.twilio.com/v1/Trunks?PageSize=1000", "https://trunking.twilio.com/v1/Trunks?PageSize=1000&Page=1&PageToken=PTx"]);

    const elsewhere = clientAnswering([answer({ origination_urls: [], meta: v1Meta("origination_urls", "https://evil.example.com/v1/Trunks?Page=1") }), answer({ origination_urls: [], meta: v1Meta("origination_urls", null) })]);
    await elsewhere.client.listOriginationUrls(trunkSid);
    expect(elsewhere.seen[1]?.url.origin).toBe("https://trunking.twilio.com");
  });

  it("makes a SIP credential list and credential under /2010-04-01/Accounts/{sid}/SIP and associates the list with the trunk", async () => {
    const list = { account_sid: accountSid, friendly_name: "speaknode-x", sid: "CLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", subresource_uris: { credentials: "/2010-04-01/Accounts/x/SIP/CredentialLists/CL/Credentials.json" }, uri: "/x.json" };
    const credential = { sid: "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", account_sid: accountSid, credential_list_sid: list.sid, username: "speaknode-x", uri: "/x.json" };
    const { client, seen } = clientAnswering([answer(list, 201), answer(credential, 201), answer({ account_sid: accountSid, trunk_sid: trunkSid, sid: list.sid, friendly_name: "speaknode-x" }, 201), noContent]);
    expect(await client.createCredentialList("speaknode-x")).toMatchObject({ sid: list.sid });
    expect(await client.createCredential(list.sid, { username: "speaknode-x", password: "Abcdefghijk1" })).toMatchObject({ sid: credential.sid, username: "speaknode-x" });
    await client.associateCredentialList(trunkSid, list.sid);
    await client.removeTrunkPhoneNumber(trunkSid, "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    expect(seen.map((s) => `${s.method} ${s.url.origin}${s.url.pathname} ${s.form}`)).toEqual([
      `POST https://api.twilio.com/2010-04-01/Accounts/${accountSid}/SIP/CredentialLists.json FriendlyName=speaknode-x`,
      `POST https://api.twilio.com/2010-04-01/Accounts/${accountSid}/SIP/CredentialLists/${list.sid}/Credentials.json Username=speaknode-x&Password=Abcdefghijk1`,
      `POST https://trunking.twilio.com/v1/Trunks/${trunkSid}/CredentialLists CredentialListSid=${list.sid}`,
      `DELETE https://trunking.twilio.com/v1/Trunks/${trunkSid}/PhoneNumbers/PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa `,
    ]);
  });

  it("turns Twilio's error body into a TwilioApiError, and an answer in another shape into a retryable 502", async () => {
    const { client } = clientAnswering([answer({ code: 20404, message: "The requested resource was not found", more_info: "https://www.twilio.com/docs/errors/20404", status: 404 }, 404), answer({ unexpected: true }, 201)]);
    const notFound = await client.deleteTrunk(trunkSid).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(TwilioApiError);
    expect(notFound).toMatchObject({ status: 404, code: 20404, retryable: false });
    const odd = await client.createTrunk({ friendlyName: "x", domainName: "x.pstn.twilio.com" }).catch((e: unknown) => e);
    expect(odd).toMatchObject({ status: 502, retryable: true });
  });
});
