import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTwilioSimulator, type TwilioSimulator } from "./server.ts";
import { fakeSpeak, testAccount } from "./test-harness.ts";

const numbers = [1, 2].map((i) => ({ sid: `PN0000000000000000000000000000000${i}`, phoneNumber: `+1555000000${i}`, friendlyName: `Line ${i}` }));
const other = { accountSid: "AC00000000000000000000000000000002", authToken: "other-token", numbers: [] };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("the simulated Elastic SIP Trunking API", () => {
  let sim: TwilioSimulator;
  const call = async (path: string, init: { method?: string; form?: Record<string, string>; authorization?: string } = {}) => {
    const res = await fetch(`${sim.url}${path}`, {
      method: init.method ?? (init.form ? "POST" : "GET"),
      headers: { authorization: init.authorization ?? basic(testAccount.accountSid, testAccount.authToken), ...(init.form ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };
  const sip = `/2010-04-01/Accounts/${testAccount.accountSid}/SIP/CredentialLists`;

  beforeEach(async () => {
    sim = await startTwilioSimulator({ accounts: [{ ...testAccount, numbers }, other], speak: fakeSpeak });
  });
  afterEach(() => sim.close());

  it("makes a trunk with its origination URL, a credential list associated for termination and a number attached, in Twilio's shapes", async () => {
    const trunk = await call("/v1/Trunks", { form: { FriendlyName: "speaknode-x", DomainName: "speaknode-x.pstn.twilio.com" } });
    expect(trunk.status).toBe(201);
    expect(trunk.body).toMatchObject({ sid: expect.stringMatching(/^TK[0-9a-f]{32}$/), account_sid: testAccount.accountSid, domain_name: "speaknode-x.pstn.twilio.com", friendly_name: "speaknode-x", auth_type: "", links: { origination_urls: expect.stringContaining("/OriginationUrls") } });
    const tk = String(trunk.body["sid"]);

    const missing = await call(`/v1/Trunks/${tk}/OriginationUrls`, { form: { FriendlyName: "LiveKit", SipUrl: "sip:x.sip.livekit.cloud;transport=tcp" } });
    expect(missing).toMatchObject({ status: 400, body: { code: 20001, message: expect.stringContaining("Weight, Priority, Enabled") } });
    const origination = await call(`/v1/Trunks/${tk}/OriginationUrls`, { form: { FriendlyName: "LiveKit", SipUrl: "sip:x.sip.livekit.cloud;transport=tcp", Weight: "10", Priority: "10", Enabled: "true" } });
    expect(origination).toMatchObject({ status: 201, body: { sid: expect.stringMatching(/^OU/), trunk_sid: tk, sip_url: "sip:x.sip.livekit.cloud;transport=tcp", weight: 10, priority: 10, enabled: true } });

    const list = await call(`${sip}.json`, { form: { FriendlyName: "speaknode-x" } });
    expect(list).toMatchObject({ status: 201, body: { sid: expect.stringMatching(/^CL/), friendly_name: "speaknode-x", subresource_uris: { credentials: expect.stringMatching(/\/Credentials\.json$/) } } });
    const cl = String(list.body["sid"]);
    expect((await call(`${sip}/${cl}/Credentials.json`, { form: { Username: "speaknode-x", Password: "tooweak" } })).status).toBe(400);
    const credential = await call(`${sip}/${cl}/Credentials.json`, { form: { Username: "speaknode-x", Password: "Abcdefghijk1" } });
    expect(credential).toMatchObject({ status: 201, body: { sid: expect.stringMatching(/^CR/), credential_list_sid: cl, username: "speaknode-x" } });
    expect(JSON.stringify(credential.body)).not.toContain("Abcdefghijk1");
    expect((await call(`/v1/Trunks/${tk}/CredentialLists`, { form: { CredentialListSid: cl } })).status).toBe(201);
    expect((await call(`/v1/Trunks/${tk}`)).body).toMatchObject({ auth_type: "CREDENTIAL_LIST", auth_type_set: ["CREDENTIAL_LIST"] });

    const attached = await call(`/v1/Trunks/${tk}/PhoneNumbers`, { form: { PhoneNumberSid: numbers[0]!.sid } });
    expect(attached).toMatchObject({ status: 201, body: { sid: numbers[0]!.sid, trunk_sid: tk, phone_number: "+15550000001" } });
    expect((await call(`/v1/Trunks/${tk}/PhoneNumbers`, { form: { PhoneNumberSid: "PN00000000000000000000000000000099" } })).status).toBe(400);
  });

  it("pages v1 lists with meta.next_page_url and 2010 lists with next_page_uri", async () => {
    for (const name of ["a", "b"]) await call("/v1/Trunks", { form: { FriendlyName: name, DomainName: `${name}-x.pstn.twilio.com` } });
    const first = await call("/v1/Trunks?PageSize=1");
    const meta = first.body["meta"] as { next_page_url: string; key: string; page: number };
    expect(meta).toMatchObject({ key: "trunks", page: 0 });
    const next = new URL(meta.next_page_url);
    const second = await call(`${next.pathname}${next.search}`);
    expect((second.body["trunks"] as { friendly_name: string }[]).map((t) => t.friendly_name)).toEqual(["b"]);
    expect((second.body["meta"] as { next_page_url: string | null }).next_page_url).toBeNull();

    for (const name of ["one", "two"]) await call(`${sip}.json`, { form: { FriendlyName: name } });
    const lists = await call(`${sip}.json?PageSize=1`);
    expect(lists.body).toMatchObject({ credential_lists: [{ friendly_name: "one" }], page: 0, page_size: 1, next_page_uri: `${sip}.json?PageSize=1&Page=1` });
  });

  it("deletes with 204, a trunk taking its URLs and numbers with it; refuses a taken domain, bad credentials and another account's resources", async () => {
    const tk = String((await call("/v1/Trunks", { form: { DomainName: "speaknode-y.pstn.twilio.com" } })).body["sid"]);
    await call(`/v1/Trunks/${tk}/OriginationUrls`, { form: { FriendlyName: "LiveKit", SipUrl: "sip:x.example.com", Weight: "1", Priority: "1", Enabled: "true" } });
    await call(`/v1/Trunks/${tk}/PhoneNumbers`, { form: { PhoneNumberSid: numbers[1]!.sid } });
    expect((await call("/v1/Trunks", { form: { DomainName: "speaknode-y.pstn.twilio.com" } })).status).toBe(409);
    expect((await call(`/v1/Trunks/${tk}`, { authorization: basic(other.accountSid, other.authToken) })).status).toBe(404);
    expect((await call(`/v1/Trunks/${tk}`, { authorization: basic(testAccount.accountSid, "wrong") })).body).toMatchObject({ code: 20003, status: 401 });
    expect((await call(`/v1/Trunks/${tk}/PhoneNumbers/${numbers[1]!.sid}`, { method: "DELETE" })).status).toBe(204);
    expect((await call(`/v1/Trunks/${tk}/PhoneNumbers`)).body["phone_numbers"]).toEqual([]);
    expect((await call(`/v1/Trunks/${tk}`, { method: "DELETE" })).status).toBe(204);
    expect((await call(`/v1/Trunks/${tk}/OriginationUrls`)).status).toBe(404);
    expect((await call("/v1/Trunks")).body["trunks"]).toEqual([]);
  });
});
