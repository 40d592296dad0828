// Contract tests: the requests our client sends and the documented answers it reads (VoxImplant's
// Management API reference: GetAccountInfo, GetApplications, GetRules, GetPhoneNumbers,
// BindPhoneNumberToApplication, StartScenarios; errors `{"error":{"msg","code"}}` with HTTP 200).
import { describe, expect, it } from "vitest";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { VoximplantApiError, VoximplantClient } from "./client.ts";
import { voximplantSigner } from "./jwt.ts";
import { makeKeyFile } from "./testing.ts";

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  form: Record<string, string>;
}

async function clientAnswering(answers: (Response | Error)[]) {
  const key = await makeKeyFile(3456750, "key-0001-abcd");
  const seen: Seen[] = [];
  const waits: number[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push({ url: req.url, method: req.method, headers: req.headers, form: Object.fromEntries(new URLSearchParams(await req.text())) });
    const next = answers.shift();
    if (!next) throw new Error("no more answers");
    if (next instanceof Error) throw next;
    return next;
  }) as typeof fetch;
  const client = new VoximplantClient({ baseUrl: "https://api.voximplant.test", signer: voximplantSigner(key), timeoutMs: 1000, fetch: fetchImpl, sleep: async (ms) => void waits.push(ms) });
  return { client, seen, waits };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("the VoxImplant Management API client", () => {
  it("posts form parameters to /platform_api/<Method>/ with a bearer JWT of the key", async () => {
    const { client, seen } = await clientAnswering([json({ result: { account_id: 3456750, account_name: "ivan123", active: true, frozen: false, balance: 19772.35 }, api_address: "api-node1.voximplant.com" })]);
    const info = await client.getAccountInfo();
    expect(info.account_id).toBe(3456750);
    const [req] = seen;
    expect(req?.url).toBe("https://api.voximplant.test/platform_api/GetAccountInfo/");
    expect(req?.method).toBe("POST");
    expect(req?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    const token = (req?.headers.get("authorization") ?? "").replace(/^Bearer /, "");
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", kid: "key-0001-abcd" });
    expect(decodeJwt(token)).toMatchObject({ iss: 3456750 });
  });

  it("sends each method's documented parameters and reads its documented answer", async () => {
    const { client, seen } = await clientAnswering([
      json({ result: [{ application_id: 1, application_name: "myapp1.test.voximplant.com", modified: "2013-08-21 10:13:35" }], count: 1, total_count: 1 }),
      json({ result: [{ rule_id: 2, rule_name: "speaknode", rule_pattern: ".*" }], count: 1, total_count: 1 }),
      json({ result: [{ phone_id: 1, phone_number: "15555550200", application_id: 1, application_name: "myapp1" }, { phone_id: 2, phone_number: "15555550201" }], count: 2, total_count: 7 }),
      json({ result: 1 }),
      json({ result: 1, media_session_access_url: "http://1.2.3.4:12092/request/eb7697.1539237068.6369268_1.2.3.4/1df792", media_session_access_secure_url: "https://1.2.3.4:12092/request/eb7697.1539237068.6369268_1.2.3.4/1df792", call_session_history_id: 123456 }),
    ]);
    expect(await client.getApplications(1)).toHaveLength(1);
    expect((await client.getRules(1, 2))[0]?.rule_id).toBe(2);
    const page = await client.getPhoneNumbers({ count: 2, offset: 4 });
    expect(page.totalCount).toBe(7);
    expect(page.numbers.map((n) => [n.phone_id, n.phone_number, n.application_id ?? null])).toEqual([[1, "15555550200", 1], [2, "15555550201", null]]);
    await client.bindPhoneNumberToApplication(2, 1, false);
    const started = await client.startScenarios(2, '{"v":1}');
    expect(started.call_session_history_id).toBe(123456);
    expect(seen.map((s) => [s.url.replace("https://api.voximplant.test/platform_api/", ""), s.form])).toEqual([
      ["GetApplications/", { application_id: "1" }],
      ["GetRules/", { application_id: "1", rule_id: "2" }],
      ["GetPhoneNumbers/", { count: "2", offset: "4" }],
      ["BindPhoneNumberToApplication/", { phone_id: "2", application_id: "1", bind: "false" }],
      ["StartScenarios/", { rule_id: "2", script_custom_data: '{"v":1}' }],
    ]);
  });

  it("turns an error body answered with HTTP 200 into a typed error that is not retryable", async () => {
    const { client } = await clientAnswering([json({ error: { msg: "Authorization failed", code: 100 } })]);
    const err = await client.getAccountInfo().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VoximplantApiError);
    expect(err).toMatchObject({ code: 100, status: 200, message: "Authorization failed", retryable: false, method: "GetAccountInfo" });
  });

  it("retries a rate-limited request with backoff, honouring Retry-After", async () => {
    const { client, seen, waits } = await clientAnswering([json({ error: { msg: "Too many requests", code: 429 } }, 429, { "retry-after": "1" }), json({ error: { msg: "Too Many Requests" } }), json({ result: [], count: 0, total_count: 0 })]);
    expect(await client.getApplications(1)).toEqual([]);
    expect(seen).toHaveLength(3);
    expect(waits).toEqual([1000, 1000]);
  });

  it("gives up after three rate-limited attempts with a retryable error", async () => {
    const { client, seen } = await clientAnswering([json({}, 429), json({}, 429), json({}, 429)]);
    const err = await client.startScenarios(1, "").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, rateLimited: true, retryable: true });
    expect(seen).toHaveLength(3);
  });

  it("says unreachable (status 0) and 5xx or unreadable answers are retryable, never retried blindly", async () => {
    const { client, seen } = await clientAnswering([new TypeError("network down"), json({ oops: true }, 503), new Response("<html>", { status: 200 })]);
    await expect(client.getAccountInfo()).rejects.toMatchObject({ status: 0, retryable: true });
    await expect(client.getAccountInfo()).rejects.toMatchObject({ status: 503, retryable: true });
    await expect(client.getAccountInfo()).rejects.toMatchObject({ status: 502, retryable: true });
    expect(seen).toHaveLength(3);
  });
});
