import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTwilioSimulator, type TwilioSimulator } from "./server.ts";
import { fakeSpeak, testAccount } from "./test-harness.ts";

const numbers = [1, 2, 3].map((i) => ({ sid: `PN0000000000000000000000000000000${i}`, phoneNumber: `+1555000000${i}`, friendlyName: `Line ${i}` }));
const other = { accountSid: "AC00000000000000000000000000000002", authToken: "other-token", numbers: [{ sid: "PN00000000000000000000000000000009", phoneNumber: "+15550000009" }] };

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

describe("the simulated Twilio REST API", () => {
  let sim: TwilioSimulator;
  const auth = basic(testAccount.accountSid, testAccount.authToken);
  const api = (path: string, init: { method?: string; form?: [string, string][]; authorization?: string } = {}) =>
    fetch(`${sim.url}/2010-04-01/Accounts/${testAccount.accountSid}${path}`, {
      method: init.method ?? (init.form ? "POST" : "GET"),
      headers: { authorization: init.authorization ?? auth, ...(init.form ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });

  beforeEach(async () => {
    sim = await startTwilioSimulator({ accounts: [{ ...testAccount, numbers }, other], speak: fakeSpeak, callsPerSecond: 2 });
  });
  afterEach(() => sim.close());

  it("answers the account with the Auth Token or with an API key", async () => {
    const res = await api(".json");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sid: testAccount.accountSid, status: "active", uri: `/2010-04-01/Accounts/${testAccount.accountSid}.json` });
    const key = testAccount.apiKeys[0];
    expect((await api(".json", { authorization: basic(key?.sid ?? "", key?.secret ?? "") })).status).toBe(200);
  });

  it("refuses wrong credentials with 401 and Twilio's error 20003", async () => {
    for (const authorization of [basic(testAccount.accountSid, "wrong"), "Bearer x", basic(other.accountSid, other.authToken)]) {
      const res = await api(".json", { authorization });
      const body = (await res.json()) as Record<string, unknown>;
      if (authorization === basic(other.accountSid, other.authToken)) {
        // Valid credentials of another account do not reach this account's resources.
        expect(res.status).toBe(404);
        continue;
      }
      expect(res.status).toBe(401);
      expect(body).toEqual({ code: 20003, message: "Authenticate", more_info: "https://www.twilio.com/docs/errors/20003", status: 401 });
    }
  });

  it("pages incoming numbers with next_page_uri until the last page", async () => {
    const first = (await (await api("/IncomingPhoneNumbers.json?PageSize=2")).json()) as { incoming_phone_numbers: { sid: string; phone_number: string; voice_url: string }[]; next_page_uri: string; page: number; page_size: number; first_page_uri: string; previous_page_uri: string | null };
    expect(first.incoming_phone_numbers.map((n) => n.phone_number)).toEqual(["+15550000001", "+15550000002"]);
    expect(first).toMatchObject({ page: 0, page_size: 2, previous_page_uri: null });
    expect(first.next_page_uri).toMatch(/^\/2010-04-01\/Accounts\/AC\w+\/IncomingPhoneNumbers\.json\?PageSize=2&Page=1&PageToken=PA/);
    const second = (await (await fetch(`${sim.url}${first.next_page_uri}`, { headers: { authorization: auth } })).json()) as { incoming_phone_numbers: { sid: string }[]; next_page_uri: string | null; page: number };
    expect(second.incoming_phone_numbers.map((n) => n.sid)).toEqual([numbers[2]?.sid]);
    expect(second).toMatchObject({ page: 1, next_page_uri: null });
  });

  it("updates a number's voice webhooks and answers it as Twilio does", async () => {
    const res = await api(`/IncomingPhoneNumbers/${numbers[0]?.sid}.json`, { form: [["VoiceUrl", "https://platform.test/voice"], ["VoiceMethod", "POST"], ["StatusCallback", "https://platform.test/status"], ["VoiceApplicationSid", ""]] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sid: numbers[0]?.sid, voice_url: "https://platform.test/voice", voice_method: "POST", status_callback: "https://platform.test/status", voice_application_sid: "" });
    expect(sim.numbers(testAccount.accountSid)[0]?.voiceUrl).toBe("https://platform.test/voice");
    const bad = await api(`/IncomingPhoneNumbers/${numbers[0]?.sid}.json`, { form: [["VoiceUrl", "not a url"]] });
    expect(bad.status).toBe(400);
  });

  it("answers 404 with error 20404 for unknown numbers and calls", async () => {
    for (const path of ["/IncomingPhoneNumbers/PN99999999999999999999999999999999.json", "/Calls/CA99999999999999999999999999999999.json", "/Nothing.json"]) {
      const res = await api(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 20404, status: 404, more_info: "https://www.twilio.com/docs/errors/20404" });
    }
  });

  it("creates a queued outbound call and refuses bad numbers with Twilio's codes", async () => {
    const twiml = "<Response><Hangup/></Response>";
    const created = await api("/Calls.json", { form: [["To", "+15557770000"], ["From", "+15550000001"], ["Twiml", twiml]] });
    expect(created.status).toBe(201);
    const call = (await created.json()) as { sid: string; status: string; direction: string; from: string; to: string; uri: string };
    expect(call).toMatchObject({ status: "queued", direction: "outbound-api", from: "+15550000001", to: "+15557770000" });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect((await api(`/Calls/${call.sid}.json`)).status).toBe(200);
    const cases: [[string, string][], number][] = [
      [[["To", "555-1234"], ["From", "+15550000001"], ["Twiml", twiml]], 21211],
      [[["To", "+15557770000"], ["From", "+15559998888"], ["Twiml", twiml]], 21210],
      [[["From", "+15550000001"], ["Twiml", twiml]], 21201],
      [[["To", "+15557770000"], ["From", "+15550000001"]], 21205],
    ];
    for (const [form, code] of cases) {
      const res = await api("/Calls.json", { form });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code, status: 400 });
    }
  });

  it("answers 429 with error 20429 and Retry-After past the configured call rate", async () => {
    const form: [string, string][] = [["To", "+15557770000"], ["From", "+15550000001"], ["Twiml", "<Response><Hangup/></Response>"]];
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await api("/Calls.json", { form });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        expect(await res.json()).toMatchObject({ code: 20429, status: 429 });
      }
    }
    expect(statuses).toEqual([201, 201, 429]);
    expect(retryAfter).toBe("1");
  });
});
