// Phone numbers: importing points each number's calls and statuses at this platform and keeps
// what Twilio had; a failure part-way puts back what changed and stores nothing; releasing gives
// Twilio the previous settings back; numbers bind only to agents of their own space.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { phoneNumbers } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { connectAccount, importNumbers, stubTwilio } from "../telephony/connections-testing.ts";
import type { FakeNumber } from "../telephony/twilio/fake-twilio.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

const importPath = (w: World) => `/v1/spaces/${w.spaceId}/phone-numbers/import`;
const rowsOf = (spaceId: string) => withDb((db) => db.select().from(phoneNumbers).where(eq(phoneNumbers.spaceId, spaceId)));
/** The voice settings a number has at Twilio now. */
const voiceOf = (n: FakeNumber | undefined) => ({ voice_url: n?.voice_url, voice_method: n?.voice_method, status_callback: n?.status_callback, status_callback_method: n?.status_callback_method, voice_application_sid: n?.voice_application_sid });

describe("importing phone numbers", () => {
  it("points each number's calls and statuses at this platform, clears a TwiML App, and keeps the previous settings", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const { connectionId, accountSid } = await connectAccount(w, twilio);
    const plain = twilio.addNumber(accountSid, { phone_number: "+14155550100", friendly_name: "Front desk" });
    const withApp = twilio.addNumber(accountSid, { phone_number: "+442079460000", voice_url: "", voice_method: "POST", status_callback: "https://old.example/status", voice_application_sid: "AP0123456789abcdef0123456789abcdef" });
    const res = await call("POST", importPath(w), { token: w.owner.token, json: { connectionId, providerNumberIds: [plain.sid, withApp.sid], agentId: w.agentId } });
    expect(res.status).toBe(201);
    const imported = res.body["imported"] as Record<string, unknown>[];
    expect(imported).toEqual([
      expect.objectContaining({ spaceId: w.spaceId, connectionId, provider: "twilio", e164: "+14155550100", providerNumberId: plain.sid, friendlyName: "Front desk", agentId: w.agentId, inboundEnabled: true, recordingEnabled: true, maxConcurrentCalls: 5, allowedCountries: ["US"], callerName: null }),
      expect.objectContaining({ e164: "+442079460000", providerNumberId: withApp.sid, allowedCountries: ["GB"] }),
    ]);
    const base = `http://127.0.0.1:8787/telephony/twilio/${connectionId}`;
    for (const sid of [plain.sid, withApp.sid]) {
      expect(voiceOf(twilio.numbers.get(sid))).toEqual({ voice_url: `${base}/voice`, voice_method: "POST", status_callback: `${base}/status`, status_callback_method: "POST", voice_application_sid: "" });
    }
    const rows = await rowsOf(w.spaceId);
    expect(rows.find((r) => r.providerNumberId === plain.sid)?.previousConfig).toEqual({ VoiceUrl: "https://old-platform.example.com/voice", VoiceMethod: "GET", StatusCallback: "", StatusCallbackMethod: "POST", VoiceApplicationSid: null });
    expect(rows.find((r) => r.providerNumberId === withApp.sid)?.previousConfig).toMatchObject({ VoiceApplicationSid: "AP0123456789abcdef0123456789abcdef", StatusCallback: "https://old.example/status" });
  });

  it("refuses a number the account does not have with a 400 naming it, before changing any number", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const { connectionId, accountSid } = await connectAccount(w, twilio);
    const known = twilio.addNumber(accountSid);
    const elsewhere = twilio.addNumber(twilio.addAccount().accountSid);
    const res = await call("POST", importPath(w), { token: w.owner.token, json: { connectionId, providerNumberIds: [known.sid, "PN00000000000000000000000000000000", elsewhere.sid] } });
    expectProblem(res, 400, "validation_failed");
    expect(res.body["errors"]).toEqual([
      { field: "body.providerNumberIds.1", message: "the Twilio account has no number PN00000000000000000000000000000000" },
      { field: "body.providerNumberIds.2", message: `the Twilio account has no number ${elsewhere.sid}` },
    ]);
    expect(twilio.requests.filter((r) => r.method === "POST")).toEqual([]);
    expect(await rowsOf(w.spaceId)).toEqual([]);
  });

  it("refuses a number that is not E.164 or cannot take voice calls, and stores Twilio's odd text storable", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const { connectionId, accountSid } = await connectAccount(w, twilio);
    const short = twilio.addNumber(accountSid, { phone_number: "+1555" });
    const smsOnly = twilio.addNumber(accountSid, { capabilities: { voice: false, sms: true, mms: false, fax: false } });
    const res = await call("POST", importPath(w), { token: w.owner.token, json: { connectionId, providerNumberIds: [short.sid, smsOnly.sid] } });
    expectProblem(res, 400, "validation_failed");
    expect(res.body["errors"]).toEqual([
      { field: "body.providerNumberIds.0", message: `Twilio's number ${short.sid} is not a phone number in E.164 form` },
      { field: "body.providerNumberIds.1", message: `Twilio's number ${smsOnly.sid} cannot take voice calls` },
    ]);
    expect(twilio.requests.filter((r) => r.method === "POST")).toEqual([]);
    const odd = twilio.addNumber(accountSid, { friendly_name: "Desk\u0000 line" });
    await importNumbers(w, connectionId, [odd.sid]);
    expect((await rowsOf(w.spaceId)).map((r) => r.friendlyName)).toEqual(["Desk\uFFFD line"]);
  });

  it("puts back the numbers already changed and stores nothing when Twilio fails part-way", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const { connectionId, accountSid } = await connectAccount(w, twilio);
    const [a, b, c] = [twilio.addNumber(accountSid), twilio.addNumber(accountSid, { voice_url: "https://b.example/voice" }), twilio.addNumber(accountSid)];
    if (!a || !b || !c) throw new Error("no numbers");
    const before = voiceOf(a);
    twilio.failingUpdates.add(b.sid);
    const res = await call("POST", importPath(w), { token: w.owner.token, json: { connectionId, providerNumberIds: [a.sid, b.sid, c.sid] } });
    expectProblem(res, 503, "upstream_unavailable");
    expect(res.headers.get("retry-after")).not.toBeNull();
    // a was changed, then restored; c was never touched.
    expect(twilio.requestsTo(`/${a.sid}.json`, "POST")).toHaveLength(2);
    // Its TwiML App was none (null) and is cleared again ("").
    expect(voiceOf(twilio.numbers.get(a.sid))).toEqual({ ...before, voice_application_sid: "" });
    expect(twilio.requestsTo(`/${c.sid}.json`, "POST")).toEqual([]);
    expect(await rowsOf(w.spaceId)).toEqual([]);
  });

  it("refuses a number already imported (409), an agent of another space (404) and an unknown connection (404)", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const { connectionId, accountSid } = await connectAccount(w, twilio);
    const n = twilio.addNumber(accountSid);
    await importNumbers(w, connectionId, [n.sid]);
    const again = await call("POST", importPath(w), { token: w.owner.token, json: { connectionId, providerNumberIds: [n.sid] } });
    expectProblem(again, 409, "conflict");
    expect(again.body["detail"]).toContain(n.sid);
    // A second connection to the same account cannot take it either.
    const second = await call("POST", `/v1/spaces/${w.spaceId}/telephony-connections`, { token: w.owner.token, json: { provider: "twilio", name: "Same account", accountSid, auth: { type: "auth_token", authToken: twilio.accounts.get(accountSid)?.authToken } } });
    expectProblem(await call("POST", importPath(w), { token: w.owner.token, json: { connectionId: String(second.body["id"]), providerNumberIds: [n.sid] } }), 409, "conflict");

    const other = twilio.addNumber(accountSid);
    const foreignAgent = await call("POST", importPath(w), { token: w.owner.token, json: { connectionId, providerNumberIds: [other.sid], agentId: w.otherAgentId } });
    expectProblem(foreignAgent, 404, "not_found");
    expect(foreignAgent.body["detail"]).toBe("agent not found");
    const outsiders = await connectAccount({ ...w, spaceId: w.otherSpaceId, owner: w.outsider }, twilio);
    const foreignConnection = await call("POST", importPath(w), { token: w.owner.token, json: { connectionId: outsiders.connectionId, providerNumberIds: [other.sid] } });
    expectProblem(foreignConnection, 404, "not_found");
    expect(foreignConnection.body["detail"]).toBe("telephony connection not found");
    expect(voiceOf(twilio.numbers.get(other.sid)).voice_url).toBe("https://old-platform.example.com/voice");
    expect(await rowsOf(w.spaceId)).toHaveLength(1);
  });
});

describe("a space's phone numbers", () => {
  it("lists, filters by agent, shows one, and binds it only to an agent of the space", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const { connectionId, accountSid } = await connectAccount(w, twilio);
    const [bound, free] = await importNumbers(w, connectionId, [twilio.addNumber(accountSid).sid, twilio.addNumber(accountSid).sid]);
    await call("PATCH", `/v1/phone-numbers/${String(bound)}`, { token: w.owner.token, json: { agentId: w.agentId } });
    const all = await call("GET", `/v1/spaces/${w.spaceId}/phone-numbers`, { token: w.member.token });
    expect(all.body.data?.map((n) => n["id"]).sort()).toEqual([bound, free].sort());
    const ofAgent = await call("GET", `/v1/spaces/${w.spaceId}/phone-numbers?agentId=${w.agentId}`, { token: w.apiKey });
    expect(ofAgent.body.data?.map((n) => n["id"])).toEqual([bound]);

    const path = `/v1/phone-numbers/${String(free)}`;
    const patched = await call("PATCH", path, { token: w.owner.token, json: { agentId: w.agentId, inboundEnabled: false, recordingEnabled: false, maxConcurrentCalls: 2, allowedCountries: ["US", "CA"], callerName: "Acme" } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ agentId: w.agentId, inboundEnabled: false, recordingEnabled: false, maxConcurrentCalls: 2, allowedCountries: ["US", "CA"], callerName: "Acme" });
    // Fields left out stay as they are; null unbinds.
    const unbound = await call("PATCH", path, { token: w.owner.token, json: { agentId: null } });
    expect(unbound.body).toMatchObject({ agentId: null, maxConcurrentCalls: 2, callerName: "Acme" });
    expect((await call("GET", path, { token: w.member.token })).body).toEqual(unbound.body);

    const foreign = await call("PATCH", path, { token: w.owner.token, json: { agentId: w.otherAgentId } });
    expectProblem(foreign, 404, "not_found");
    expect(foreign.body["detail"]).toBe("agent not found");
    expectProblem(await call("PATCH", path, { token: w.owner.token, json: { maxConcurrentCalls: 0 } }), 400, "validation_failed");
    expectProblem(await call("PATCH", path, { token: w.owner.token, json: { allowedCountries: ["USA"] } }), 400, "validation_failed");
  });
});

describe("releasing a phone number", () => {
  it("gives Twilio back the settings the number had before the import, then removes it", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const { connectionId, accountSid } = await connectAccount(w, twilio);
    const n = twilio.addNumber(accountSid, { voice_url: "https://old.example/voice", voice_method: "GET", status_callback: null, status_callback_method: null, voice_application_sid: "AP0123456789abcdef0123456789abcdef" });
    const [id] = await importNumbers(w, connectionId, [n.sid]);
    expect(twilio.numbers.get(n.sid)?.voice_url).toContain(connectionId);
    const res = await call("DELETE", `/v1/phone-numbers/${String(id)}`, { token: w.owner.token });
    expect(res.status).toBe(204);
    // Null becomes "" (cleared at Twilio); a method that was null is left to Twilio's default.
    expect(voiceOf(twilio.numbers.get(n.sid))).toEqual({ voice_url: "https://old.example/voice", voice_method: "GET", status_callback: "", status_callback_method: "POST", voice_application_sid: "AP0123456789abcdef0123456789abcdef" });
    expect(twilio.requestsTo(`/${n.sid}.json`, "POST").at(-1)?.form.has("StatusCallbackMethod")).toBe(false);
    expect(await rowsOf(w.spaceId)).toEqual([]);
    expectProblem(await call("GET", `/v1/phone-numbers/${String(id)}`, { token: w.owner.token }), 404, "not_found");
  });

  it("removes a number Twilio no longer has, and keeps one while Twilio is down", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const { connectionId, accountSid } = await connectAccount(w, twilio);
    const [gone, kept] = [twilio.addNumber(accountSid), twilio.addNumber(accountSid)];
    const [goneId, keptId] = await importNumbers(w, connectionId, [gone.sid, kept.sid]);
    twilio.numbers.delete(gone.sid);
    expect((await call("DELETE", `/v1/phone-numbers/${String(goneId)}`, { token: w.owner.token })).status).toBe(204);
    twilio.outage = { kind: "status", status: 503, retryAfterS: 10 };
    const down = await call("DELETE", `/v1/phone-numbers/${String(keptId)}`, { token: w.owner.token });
    expectProblem(down, 503, "upstream_unavailable");
    expect(down.headers.get("retry-after")).toBe("10");
    expect((await rowsOf(w.spaceId)).map((r) => r.id)).toEqual([keptId]);
  });
});
