import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeSpeak } from "../../twilio/src/test-harness.ts";
import { startVoximplantSimulator, type VoximplantSimulator } from "./server.ts";
import { api, otherKeyPair, signJwt, testAccount } from "./test-harness.ts";

let sim: VoximplantSimulator;
beforeAll(async () => {
  sim = await startVoximplantSimulator({ accounts: [testAccount], speak: fakeSpeak });
  sim.setScenario(7000001, "VoxEngine.addEventListener(AppEvents.Started, function (e) { Logger.write('custom ' + VoxEngine.customData()); });");
});
afterAll(() => sim.close());

const now = () => Math.floor(Date.now() / 1000);

describe("service-account JWT authorisation", () => {
  it("accepts a JWT signed RS256 with the key named by kid, issued by the account", async () => {
    const out = await api(sim.url, "GetAccountInfo", {});
    expect(out.error).toBeUndefined();
    expect((out.result as { account_id: number }).account_id).toBe(9000001);
  });

  it.each([
    ["no Authorization header", null],
    ["a signature by another key", signJwt({ key: otherKeyPair.privateKey })],
    ["an unknown kid", signJwt({ kid: "key-9999" })],
    ["an iss that is not the account", signJwt({ iss: 9000002 })],
    ["an expired token", signJwt({ iat: now() - 7200, exp: now() - 10 })],
    ["an exp later than iat + 3600", signJwt({ exp: now() + 7200 })],
    ["another algorithm", signJwt({ alg: "HS256" })],
  ])("refuses %s with the error in the body and HTTP 200", async (_name, token) => {
    const res = await fetch(`${sim.url}/platform_api/GetAccountInfo/`, { method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { error?: { code: number; msg: string }; result?: unknown };
    expect(out.result).toBeUndefined();
    expect(out.error?.code).toBe(100);
    expect(out.error?.msg).toMatch(/^Authorization failed/);
  });

  it("takes the method from a cmd field as the official SDKs send it, and GET query parameters", async () => {
    const post = await fetch(`${sim.url}/platform_api`, { method: "POST", headers: { authorization: `Bearer ${signJwt()}`, "content-type": "application/x-www-form-urlencoded" }, body: "cmd=GetApplications" });
    expect(((await post.json()) as { total_count: number }).total_count).toBe(1);
    const get = await fetch(`${sim.url}/platform_api/GetRules/?application_id=7000001`, { headers: { authorization: `Bearer ${signJwt()}` } });
    expect(((await get.json()) as { result: { rule_id: number }[] }).result.map((r) => r.rule_id)).toEqual([8000001]);
  });
});

describe("the Management API methods", () => {
  it("GetApplications lists applications with count and total_count, and finds one by id", async () => {
    const all = await api(sim.url, "GetApplications", {});
    expect(all).toMatchObject({ count: 1, total_count: 1, result: [{ application_id: 7000001, application_name: "speaknode" }] });
    expect(await api(sim.url, "GetApplications", { application_id: "7000001", with_rules: "true" })).toMatchObject({ result: [{ rules: [{ rule_id: 8000001, rule_name: "speaknode-outbound" }] }] });
    expect((await api(sim.url, "GetApplications", { application_id: "123" })).error).toMatchObject({ code: 103 });
  });

  it("GetRules needs the application and filters by rule_id", async () => {
    expect(await api(sim.url, "GetRules", { application_id: "7000001", rule_id: "8000001" })).toMatchObject({ count: 1, total_count: 1, result: [{ rule_id: 8000001, application_id: 7000001 }] });
    expect((await api(sim.url, "GetRules", {})).error).toMatchObject({ code: 102 });
  });

  it("GetPhoneNumbers pages numbers without '+' and filters by application", async () => {
    const all = await api(sim.url, "GetPhoneNumbers", { count: "1", offset: "1" });
    expect(all).toMatchObject({ count: 1, total_count: 2, result: [{ phone_id: 6000002, phone_number: "15555550201" }] });
    expect((all.result as Record<string, unknown>[])[0]?.application_id).toBeUndefined();
    const bound = await api(sim.url, "GetPhoneNumbers", { application_id: "7000001" });
    expect(bound).toMatchObject({ total_count: 1, result: [{ phone_id: 6000001, phone_number: "15555550200", application_id: 7000001, application_name: "speaknode" }] });
  });

  it("BindPhoneNumberToApplication binds and unbinds a number", async () => {
    expect(await api(sim.url, "BindPhoneNumberToApplication", { phone_id: "6000002", application_id: "7000001" })).toEqual({ result: 1 });
    expect(await api(sim.url, "GetPhoneNumbers", { phone_id: "6000002" })).toMatchObject({ result: [{ application_id: 7000001 }] });
    expect(await api(sim.url, "BindPhoneNumberToApplication", { phone_id: "6000002", application_id: "7000001", bind: "false" })).toEqual({ result: 1 });
    expect((await api(sim.url, "GetPhoneNumbers", { phone_id: "6000002" })).result).toEqual([expect.not.objectContaining({ application_id: expect.anything() })]);
    expect((await api(sim.url, "BindPhoneNumberToApplication", { phone_id: "1", application_id: "7000001" })).error).toMatchObject({ code: 103 });
  });

  it("StartScenarios runs the rule's scenario with the custom data and answers the session's access URLs", async () => {
    const out = await api(sim.url, "StartScenarios", { rule_id: "8000001", script_custom_data: '{"v":1}' });
    expect(out).toMatchObject({ result: 1, call_session_history_id: expect.any(Number), media_session_access_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/vox\/sessions\//), media_session_access_secure_url: expect.any(String) });
    const session = sim.session(out.call_session_history_id as number);
    expect(session?.customData).toBe('{"v":1}');
    expect(session?.events.find((e) => e.kind === "log")).toMatchObject({ text: 'custom {"v":1}' });
    expect((await api(sim.url, "StartScenarios", { rule_id: "1" })).error).toMatchObject({ code: 103 });
  });

  it("answers an unknown method with an error", async () => {
    expect((await api(sim.url, "DelAccount", {})).error).toMatchObject({ code: 101 });
  });
});
