import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Context } from "hono";
import { readConfig } from "../../config.ts";
import type { AppEnv } from "../../context.ts";
import { ApiError } from "../../errors.ts";
import type { ConnectionRow } from "../connections.ts";
import type { PhoneNumberRow } from "../numbers.ts";
import { openVoximplantSecrets } from "./credentials.ts";
import { FakeVoximplant, keyBody, type FakeVoxAccount } from "./fake-voximplant.ts";
import { voximplantOps } from "./ops.ts";

const config = readConfig(env);
const ctx = (query: Record<string, string> = {}) => ({ get: (k: string) => (k === "config" ? config : undefined), req: { url: "https://edge.example/v1/x", query: (k: string) => query[k] } }) as unknown as Context<AppEnv>;

let vox: FakeVoximplant;
let account: FakeVoxAccount;
beforeEach(async () => {
  vox = new FakeVoximplant(config.telephony.voximplantApiBaseUrl, globalThis.fetch);
  vi.stubGlobal("fetch", vox.fetch);
  account = await vox.addAccount();
});
afterEach(() => vi.unstubAllGlobals());

const app = () => account.applications[0]!;
const body = (over: Record<string, unknown> = {}) => ({ provider: "voximplant" as const, name: "Vox", serviceAccountKey: keyBody(account), applicationId: app().applicationId, ruleId: app().rules[0]!, encoding: "pcm8" as const, ...over });

async function connected(): Promise<ConnectionRow> {
  const id = `tcn_${crypto.randomUUID().replace(/-/g, "").slice(0, 26)}`;
  const cols = await voximplantOps.create(ctx(), id, body());
  return { id, provider: "voximplant", ...cols } as unknown as ConnectionRow;
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe("VoxImplant connections", () => {
  it("are created after GetAccountInfo, GetApplications and GetRules accept the key, application and rule; the key and a fresh scenario secret are sealed", async () => {
    const row = await connected();
    expect(vox.calls.map((c) => c.method)).toEqual(["GetAccountInfo", "GetApplications", "GetRules"]);
    expect(row.accountId).toBe(String(account.key.account_id));
    expect(row.secretHint).toBe(`…${account.key.key_id.slice(-4)}`);
    expect(row.settings).toEqual({ applicationId: app().applicationId, ruleId: app().rules[0], encoding: "pcm8", keyId: account.key.key_id });
    const secrets = await openVoximplantSecrets(config.secretsKey, row);
    expect(secrets.scenarioSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secrets.serviceAccountKey.private_key).toBe(account.key.private_key);
    expect(JSON.stringify(row)).not.toContain("PRIVATE KEY");
  });

  it("are refused with a field error naming the key, the application or the rule VoxImplant does not know", async () => {
    const other = await vox.addAccount();
    const wrongKey = await refusal(voximplantOps.create(ctx(), "tcn_x", body({ serviceAccountKey: { ...keyBody(other), key_id: "not-a-key-of-anyone" } })));
    expect(wrongKey.errors?.map((e) => e.field)).toEqual(["body.serviceAccountKey"]);
    expect((await refusal(voximplantOps.create(ctx(), "tcn_x", body({ applicationId: 12345 })))).errors?.[0]?.field).toBe("body.applicationId");
    expect((await refusal(voximplantOps.create(ctx(), "tcn_x", body({ ruleId: 12345 })))).errors?.[0]?.field).toBe("body.ruleId");
    const badPem = await refusal(voximplantOps.create(ctx(), "tcn_x", body({ serviceAccountKey: { ...keyBody(account), private_key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" } })));
    expect(badPem.errors?.[0]).toMatchObject({ field: "body.serviceAccountKey", message: expect.stringMatching(/RSA private key/) });
  });

  it("turn VoxImplant rate limiting into a 429 with Retry-After rather than a field error", async () => {
    for (let i = 0; i < 3; i++) account.failNext.set("GetAccountInfo", { msg: "Too many requests", code: 429, status: 429 });
    vox.fetch = ((orig) => async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await orig(input, init);
      if (res.status === 429) account.failNext.set("GetAccountInfo", { msg: "Too many requests", code: 429, status: 429 });
      return res;
    })(vox.fetch);
    vi.stubGlobal("fetch", vox.fetch);
    const err = await refusal(voximplantOps.create(ctx(), "tcn_x", body()));
    expect(err.code).toBe("rate_limited");
    expect(err.headers?.["retry-after"]).toBeDefined();
  });

  it("refuse an update with another provider's fields or a key of another account", async () => {
    const row = await connected();
    expect((await refusal(voximplantOps.update(ctx(), row, { numbers: ["+15555550100"] }))).errors?.[0]?.field).toBe("body.numbers");
    const other = await vox.addAccount();
    expect((await refusal(voximplantOps.update(ctx(), row, { serviceAccountKey: keyBody(other) }))).errors?.[0]?.field).toBe("body.serviceAccountKey.account_id");
    const changed = await voximplantOps.update(ctx(), row, { encoding: "ulaw" });
    expect(changed).toEqual({ settings: { ...row.settings, encoding: "ulaw" } });
  });

  it("show their settings and where to fetch the scenario, never the key", async () => {
    const row = await connected();
    expect(await voximplantOps.view(ctx(), row)).toEqual({
      authType: "service_account",
      voximplant: { applicationId: app().applicationId, ruleId: app().rules[0], encoding: "pcm8", keyId: account.key.key_id, scenarioUrl: `https://edge.example/v1/telephony-connections/${row.id}/voximplant-scenario` },
      livekitSip: null,
    });
  });

  it("report each health check, a missing rule included", async () => {
    const row = await connected();
    expect((await voximplantOps.health(ctx(), row)).map((c) => [c.name, c.ok])).toEqual([["VoxImplant account", true], ["VoxImplant application", true], ["VoxImplant rule", true]]);
    app().rules = [];
    expect((await voximplantOps.health(ctx(), row)).map((c) => c.ok)).toEqual([true, true, false]);
  });
});

describe("VoxImplant numbers", () => {
  it("are listed in E.164 with page tokens over GetPhoneNumbers' offset", async () => {
    const row = await connected();
    const first = await voximplantOps.listNumbers(ctx({ pageSize: "1" }), row, null);
    expect(first.numbers).toEqual([{ providerNumberId: String(account.numbers[0]!.phoneId), e164: `+${account.numbers[0]!.phoneNumber}`, friendlyName: null, voiceUrl: null }]);
    expect(first.nextPageToken).toBe("1");
    const second = await voximplantOps.listNumbers(ctx({ pageSize: "1" }), row, first.nextPageToken);
    expect(second.numbers[0]?.voiceUrl).toBe("VoxImplant application 99");
    expect(second.nextPageToken).toBeNull();
  });

  it("are claimed by binding them to the application, recording the application each was bound to", async () => {
    const row = await connected();
    const [a, b] = account.numbers;
    const claimed = await voximplantOps.claimNumbers(ctx(), row, [String(a!.phoneId), String(b!.phoneId)]);
    expect(claimed.map((n) => [n.e164, n.previousConfig])).toEqual([[`+${a!.phoneNumber}`, { applicationId: null }], [`+${b!.phoneNumber}`, { applicationId: "99" }]]);
    expect(account.numbers.map((n) => n.applicationId)).toEqual([app().applicationId, app().applicationId]);
  });

  it("are claimed all or nothing: an unknown id is a field error before any binding, and a failed binding puts back the ones done", async () => {
    const row = await connected();
    const [a, b] = account.numbers;
    const unknown = await refusal(voximplantOps.claimNumbers(ctx(), row, [String(a!.phoneId), "424242"]));
    expect(unknown.errors?.map((e) => e.field)).toEqual(["body.providerNumberIds.1"]);
    expect(vox.calls.some((c) => c.method === "BindPhoneNumberToApplication")).toBe(false);

    let binds = 0;
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).endsWith("/BindPhoneNumberToApplication/") && ++binds === 2) account.failNext.set("BindPhoneNumberToApplication", { msg: "Internal error", code: 500, status: 500 });
      return vox.fetch(input, init);
    });
    const failed = await refusal(voximplantOps.claimNumbers(ctx(), row, [String(a!.phoneId), String(b!.phoneId)]));
    expect(failed.code).toBe("upstream_unavailable");
    expect(account.numbers.map((n) => n.applicationId)).toEqual([null, 99]);
  });

  it("are released back to the application they had, or unbound, and a number the account lost is no error", async () => {
    const row = await connected();
    const [a, b] = account.numbers;
    await voximplantOps.claimNumbers(ctx(), row, [String(a!.phoneId), String(b!.phoneId)]);
    const numberRow = (n: typeof a, prev: string | null) => ({ providerNumberId: String(n!.phoneId), previousConfig: { applicationId: prev } }) as unknown as PhoneNumberRow;
    await voximplantOps.releaseNumber(ctx(), row, numberRow(a, null));
    await voximplantOps.releaseNumber(ctx(), row, numberRow(b, "99"));
    expect(account.numbers.map((n) => n.applicationId)).toEqual([null, 99]);
    account.numbers.splice(0, 1);
    await expect(voximplantOps.releaseNumber(ctx(), row, numberRow(a, null))).resolves.toBeUndefined();
  });
});
