// The Twilio REST client against Twilio's documented contract: the exact paths under /2010-04-01,
// HTTP basic auth for both kinds of credentials, form encoding (a repeated StatusCallbackEvent),
// paging by token where only Twilio's paging keys pass through, and errors mapped from Twilio's
// `{ code, message, more_info, status }` with Retry-After.
import { describe, expect, it } from "vitest";
import { TwilioApiError, TwilioClient, type TwilioCredentials } from "./client.ts";

const accountSid = "AC0123456789abcdef0123456789abcdef";
const tokenAuth: TwilioCredentials = { accountSid, auth: { type: "auth_token", authToken: "token-0123456789" } };
const keyAuth: TwilioCredentials = { accountSid, auth: { type: "api_key", apiKeySid: "SKfedcba9876543210fedcba9876543210", apiKeySecret: "secret-0123456789", authToken: "token-0123456789" } };

interface Seen {
  url: URL;
  method: string;
  headers: Headers;
  body: string;
}

/** A client whose fetch records each request and answers with `answer`. */
function clientAnswering(answer: () => Response | Promise<Response>, credentials: TwilioCredentials = tokenAuth, baseUrl = "https://api.twilio.com") {
  const seen: Seen[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push({ url: new URL(request.url), method: request.method, headers: request.headers, body: new TextDecoder().decode(await request.arrayBuffer()) });
    return answer();
  };
  return { client: new TwilioClient({ baseUrl, credentials, timeoutMs: 1000, fetch: fetchImpl }), seen };
}

const ok = (body: unknown) => () => new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
const twilioError = (status: number, code: number, message: string, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }), { status, headers: { "content-type": "application/json", ...headers } });
const emptyPage = { incoming_phone_numbers: [], next_page_uri: null, page: 0, page_size: 50, start: 0, end: 0, uri: "/x", first_page_uri: "/x", previous_page_uri: null };

describe("TwilioClient", () => {
  it("reads the account at /2010-04-01/Accounts/{AccountSid}.json with the Account SID and Auth Token as basic auth", async () => {
    const { client, seen } = clientAnswering(ok({ sid: accountSid, friendly_name: "Main", status: "active" }));
    expect(await client.fetchAccount()).toMatchObject({ sid: accountSid, status: "active" });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe("GET");
    expect(seen[0]?.url.href).toBe(`https://api.twilio.com/2010-04-01/Accounts/${accountSid}.json`);
    expect(seen[0]?.headers.get("authorization")).toBe(`Basic ${btoa(`${accountSid}:token-0123456789`)}`);
  });

  it("authenticates with the API key SID and secret when the connection uses an API key, still under the account's path", async () => {
    const { client, seen } = clientAnswering(ok({ sid: accountSid, friendly_name: "Main", status: "active" }), keyAuth);
    await client.fetchAccount();
    expect(seen[0]?.headers.get("authorization")).toBe(`Basic ${btoa("SKfedcba9876543210fedcba9876543210:secret-0123456789")}`);
    expect(seen[0]?.url.pathname).toBe(`/2010-04-01/Accounts/${accountSid}.json`);
  });

  it("updates a number with a form-encoded POST to its own path, leaving out fields not given", async () => {
    const { client, seen } = clientAnswering(ok({ sid: "PN1" }));
    await client.updateIncomingNumber("PN0123", { VoiceUrl: "https://speaknode.example/telephony/twilio/tcn_1/voice?a=1&b=2", VoiceMethod: "POST", VoiceApplicationSid: "" });
    const req = seen[0];
    expect(req?.method).toBe("POST");
    expect(req?.url.pathname).toBe(`/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/PN0123.json`);
    expect(req?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(req?.body).toBe("VoiceUrl=https%3A%2F%2Fspeaknode.example%2Ftelephony%2Ftwilio%2Ftcn_1%2Fvoice%3Fa%3D1%26b%3D2&VoiceMethod=POST&VoiceApplicationSid=");
  });

  it("keeps a number id from leaving its path segment", async () => {
    const { client, seen } = clientAnswering(ok({ sid: "PN1" }));
    await client.getIncomingNumber("../../Calls/CA1?x=1#y");
    expect(seen[0]?.url.pathname).toBe(`/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/..%2F..%2FCalls%2FCA1%3Fx%3D1%23y.json`);
    expect(seen[0]?.url.search).toBe("");
  });

  it("sends each StatusCallbackEvent as its own form field, in order", async () => {
    const { client, seen } = clientAnswering(ok({ sid: "CA1", status: "queued" }));
    await client.createCall({ To: "+14155550100", From: "+14155550199", Twiml: "<Response/>", StatusCallback: "https://x.example/status", StatusCallbackEvent: ["initiated", "ringing", "answered", "completed"], Timeout: 30 });
    const form = new URLSearchParams(seen[0]?.body);
    expect(seen[0]?.url.pathname).toBe(`/2010-04-01/Accounts/${accountSid}/Calls.json`);
    expect(form.getAll("StatusCallbackEvent")).toEqual(["initiated", "ringing", "answered", "completed"]);
    expect(form.get("To")).toBe("+14155550100");
    expect(form.get("Timeout")).toBe("30");
  });

  it("lists numbers a page at a time and turns next_page_uri into a token of Twilio's paging keys only", async () => {
    const next = `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers.json?PageSize=2&Page=1&PageToken=PAabc&FriendlyName=x`;
    const { client, seen } = clientAnswering(ok({ ...emptyPage, incoming_phone_numbers: [{ sid: "PN1", phone_number: "+14155550100" }], next_page_uri: next }));
    const page = await client.listIncomingNumbers({ pageSize: 2 });
    expect(seen[0]?.url.pathname).toBe(`/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers.json`);
    expect(seen[0]?.url.searchParams.get("PageSize")).toBe("2");
    expect(page.numbers.map((n) => n.sid)).toEqual(["PN1"]);
    expect(new URLSearchParams(page.nextPageToken ?? "")).toEqual(new URLSearchParams("Page=1&PageSize=2&PageToken=PAabc"));
    expect(page.nextPageToken).not.toContain("FriendlyName");
    // The last page has no next token.
    const last = clientAnswering(ok(emptyPage));
    expect((await last.client.listIncomingNumbers()).nextPageToken).toBeNull();
  });

  it("passes only Page, PageSize and PageToken of a page token on: a crafted token cannot change the host, path or other parameters", async () => {
    const { client, seen } = clientAnswering(ok(emptyPage));
    const crafted = "PageToken=PA1&Page=2&AccountSid=ACevil&@evil.example/x=1&PhoneNumber=%2B1&PageSize=5#frag&x=https://evil.example";
    await client.listIncomingNumbers({ pageToken: crafted });
    await client.listIncomingNumbers({ pageToken: "https://evil.example/2010-04-01/Accounts/ACevil/IncomingPhoneNumbers.json?PageToken=PA9" });
    await client.listIncomingNumbers({ pageToken: "PageToken=PA1%26AccountSid%3DACevil%2F..%2F..&Page=1" });
    for (const req of seen) {
      expect(req.url.origin).toBe("https://api.twilio.com");
      expect(req.url.pathname).toBe(`/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers.json`);
      expect([...req.url.searchParams.keys()].every((k) => ["Page", "PageSize", "PageToken"].includes(k))).toBe(true);
    }
    expect(seen[0]?.url.searchParams.get("PageToken")).toBe("PA1");
    expect(seen[0]?.url.searchParams.get("Page")).toBe("2");
    // A value carrying separators stays one value.
    expect(seen[2]?.url.searchParams.get("PageToken")).toBe("PA1&AccountSid=ACevil/../..");
  });

  it("maps Twilio's error body to TwilioApiError with its status, code and more_info", async () => {
    const { client } = clientAnswering(twilioError(401, 20003, "Authenticate"));
    const err = await client.fetchAccount().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwilioApiError);
    expect(err).toMatchObject({ status: 401, code: 20003, message: "Authenticate", moreInfo: "https://www.twilio.com/docs/errors/20003", retryAfterS: null, retryable: false });
    const missing = await clientAnswering(twilioError(404, 20404, "The requested resource was not found")).client.getIncomingNumber("PNx").catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 20404, retryable: false });
  });

  it("reads Retry-After on 429 and 503, which are retryable", async () => {
    const limited = await clientAnswering(twilioError(429, 20429, "Too Many Requests", { "retry-after": "7" })).client.fetchAccount().catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 429, code: 20429, retryAfterS: 7, retryable: true });
    const down = await clientAnswering(() => new Response("<html>Service Unavailable</html>", { status: 503, headers: { "retry-after": "30" } })).client.fetchAccount().catch((e: unknown) => e);
    expect(down).toMatchObject({ status: 503, code: null, message: "Twilio answered 503", retryAfterS: 30, retryable: true });
  });

  it("reports Twilio unreachable as status 0, retryable", async () => {
    const { client } = clientAnswering(() => Promise.reject(new TypeError("fetch failed")));
    const err = await client.fetchAccount().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, message: "Twilio could not be reached", retryable: true });
  });

  it("reports a 200 that is not JSON as a retryable 502", async () => {
    const { client } = clientAnswering(() => new Response("<Response/>", { status: 200 }));
    expect(await client.fetchAccount().catch((e: unknown) => e)).toMatchObject({ status: 502, retryable: true });
  });

  it("uses the configured base URL (the simulator in development)", async () => {
    const { client, seen } = clientAnswering(ok({ sid: accountSid, status: "active" }), tokenAuth, "http://127.0.0.1:8791");
    await client.fetchAccount();
    expect(seen[0]?.url.href).toBe(`http://127.0.0.1:8791/2010-04-01/Accounts/${accountSid}.json`);
  });
});
