// Telephony connections: Twilio credentials are checked with Twilio before anything is stored,
// stored sealed and never returned; wrong credentials are a 400 and Twilio being down a 503, both
// storing nothing; names are unique in a space; a connection holding numbers is not deleted.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { vi } from "vitest";
import { telephonyConnections } from "@speaknode/db";
import { call, expectProblem, makeWorld, testEnv, withDb, type World } from "../../test/helpers.ts";
import { twilioCredentials } from "../telephony/connections.ts";
import { connectAccount, importNumbers, stubTwilio } from "../telephony/connections-testing.ts";
import type { FakeTwilio } from "../telephony/twilio/fake-twilio.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

const create = (w: World, json: unknown) => call("POST", `/v1/spaces/${w.spaceId}/telephony-connections`, { token: w.owner.token, json });
const rowsOf = (spaceId: string) => withDb((db) => db.select().from(telephonyConnections).where(eq(telephonyConnections.spaceId, spaceId)));

function tokenBody(account: { accountSid: string; authToken: string }, name = "Main line") {
  return { provider: "twilio", name, accountSid: account.accountSid, auth: { type: "auth_token", authToken: account.authToken } };
}

async function expectNothingStored(w: World, twilio: FakeTwilio): Promise<void> {
  expect(await rowsOf(w.spaceId)).toEqual([]);
  expect(twilio.requests.every((r) => r.method === "GET")).toBe(true);
}

describe("telephony connections", () => {
  it("checks an Auth Token with Twilio, stores it sealed, and shows Members and API keys only a hint", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const account = twilio.addAccount();
    const created = await create(w, tokenBody(account));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ provider: "twilio", name: "Main line", accountId: account.accountSid, authType: "auth_token", secretHint: `…${account.authToken.slice(-4)}`, numberCount: 0, version: 1, spaceId: w.spaceId });
    expect(created.text).not.toContain(account.authToken);
    expect(twilio.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /2010-04-01/Accounts/${account.accountSid}.json`]);

    const id = String(created.body["id"]);
    const listed = await call("GET", `/v1/spaces/${w.spaceId}/telephony-connections`, { token: w.member.token });
    expect(listed.status).toBe(200);
    expect(listed.body.data?.map((c) => c["id"])).toEqual([id]);
    const byKey = await call("GET", `/v1/telephony-connections/${id}`, { token: w.apiKey });
    expect(byKey.status).toBe(200);
    expect(byKey.body).toEqual(created.body);
    expect(listed.text + byKey.text).not.toContain(account.authToken);

    const [row] = await rowsOf(w.spaceId);
    if (!row) throw new Error("no row");
    expect(JSON.stringify(row)).not.toContain(account.authToken);
    expect(await twilioCredentials(testEnv.SECRETS_KEY, row)).toEqual({ accountSid: account.accountSid, auth: { type: "auth_token", authToken: account.authToken } });
  });

  it("checks both an API key and the Auth Token that comes with it (Twilio signs webhooks with the token)", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const account = twilio.addAccount();
    const auth = { type: "api_key", apiKeySid: account.apiKeySid, apiKeySecret: account.apiKeySecret, authToken: account.authToken };
    const created = await create(w, { provider: "twilio", name: "Keyed", accountSid: account.accountSid, auth });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ authType: "api_key", secretHint: `…${account.apiKeySecret.slice(-4)}` });
    expect(twilio.requests.map((r) => r.authorization)).toEqual([`Basic ${btoa(`${account.apiKeySid}:${account.apiKeySecret}`)}`, `Basic ${btoa(`${account.accountSid}:${account.authToken}`)}`]);

    const wrongToken = await create(w, { provider: "twilio", name: "Keyed, wrong token", accountSid: account.accountSid, auth: { ...auth, authToken: "wrong-token-0000" } });
    expectProblem(wrongToken, 400, "validation_failed");
    expect(wrongToken.body["errors"]).toEqual([{ field: "body.auth.authToken", message: expect.stringContaining("Twilio refused these credentials") }]);
    expect((await rowsOf(w.spaceId)).map((r) => r.name)).toEqual(["Keyed"]);
  });

  it("answers wrong credentials with a 400 naming the field, and stores nothing", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const account = twilio.addAccount();
    const other = twilio.addAccount();
    const wrongToken = await create(w, { ...tokenBody(account), auth: { type: "auth_token", authToken: "not-the-token-123" } });
    expectProblem(wrongToken, 400, "validation_failed");
    expect(wrongToken.body["errors"]).toEqual([{ field: "body.auth.authToken", message: "Twilio refused these credentials for this account: Authenticate (Twilio error 20003)" }]);
    // Another account's API key does not open this account.
    const foreignKey = await create(w, { provider: "twilio", name: "x", accountSid: account.accountSid, auth: { type: "api_key", apiKeySid: other.apiKeySid, apiKeySecret: other.apiKeySecret, authToken: account.authToken } });
    expectProblem(foreignKey, 400, "validation_failed");
    expect(foreignKey.body["errors"]).toEqual([expect.objectContaining({ field: "body.auth.apiKeySid" }), expect.objectContaining({ field: "body.auth.apiKeySecret" })]);
    expect(wrongToken.text + foreignKey.text).not.toContain("not-the-token-123");
    await expectNothingStored(w, twilio);
  });

  it("refuses malformed SIDs before asking Twilio", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const account = twilio.addAccount();
    expectProblem(await create(w, { ...tokenBody(account), accountSid: "AC123" }), 400, "validation_failed");
    expectProblem(await create(w, { ...tokenBody(account), accountSid: `SK${account.accountSid.slice(2)}` }), 400, "validation_failed");
    expectProblem(await create(w, { ...tokenBody(account), auth: { type: "api_key", apiKeySid: account.accountSid, apiKeySecret: account.apiKeySecret, authToken: account.authToken } }), 400, "validation_failed");
    expectProblem(await create(w, { ...tokenBody(account), auth: { type: "auth_token", authToken: "has spaces in it" } }), 400, "validation_failed");
    expect(twilio.requests).toEqual([]);
    await expectNothingStored(w, twilio);
  });

  it("refuses an account Twilio has suspended", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const account = twilio.addAccount({ status: "suspended" });
    const res = await create(w, tokenBody(account));
    expectProblem(res, 400, "validation_failed");
    expect(res.body["errors"]).toEqual([{ field: "body.accountSid", message: "the Twilio account is suspended, not active" }]);
    await expectNothingStored(w, twilio);
  });

  it("answers 503 with Retry-After when Twilio is unreachable or failing, and 429 when it limits the account; nothing is stored", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const account = twilio.addAccount();
    twilio.outage = { kind: "unreachable" };
    const unreachable = await create(w, tokenBody(account));
    expectProblem(unreachable, 503, "upstream_unavailable");
    expect(unreachable.headers.get("retry-after")).toBe("5");
    twilio.outage = { kind: "status", status: 503, retryAfterS: 30 };
    const failing = await create(w, tokenBody(account));
    expectProblem(failing, 503, "upstream_unavailable");
    expect(failing.headers.get("retry-after")).toBe("30");
    twilio.outage = { kind: "status", status: 429, retryAfterS: 2 };
    const limited = await create(w, tokenBody(account));
    expectProblem(limited, 429, "rate_limited");
    expect(limited.headers.get("retry-after")).toBe("2");
    await expectNothingStored(w, twilio);
    twilio.outage = null;
    expect((await create(w, tokenBody(account))).status).toBe(201);
  });

  it("refuses a second connection of the same name with 409, without asking Twilio", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const account = twilio.addAccount();
    expect((await create(w, tokenBody(account, "Support"))).status).toBe(201);
    const asked = twilio.requests.length;
    const dup = await create(w, tokenBody(account, "Support"));
    expectProblem(dup, 409, "conflict");
    expect(dup.body["detail"]).toBe('another telephony connection of this space is already called "Support"');
    expect(twilio.requests.length).toBe(asked);
    // Another space may use the name.
    expect((await call("POST", `/v1/spaces/${w.otherSpaceId}/telephony-connections`, { token: w.outsider.token, json: tokenBody(account, "Support") })).status).toBe(201);
  });

  it("renames and rotates credentials: new ones are checked first, a refused rotation keeps the old ones, the version counts up", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const { connectionId, accountSid, authToken } = await connectAccount(w, twilio, "Old name");
    const path = `/v1/telephony-connections/${connectionId}`;
    const renamed = await call("PATCH", path, { token: w.owner.token, json: { name: "New name" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "New name", version: 2, authType: "auth_token" });

    const refused = await call("PATCH", path, { token: w.owner.token, json: { auth: { type: "auth_token", authToken: "rotated-but-wrong" } } });
    expectProblem(refused, 400, "validation_failed");
    const [kept] = await rowsOf(w.spaceId);
    if (!kept) throw new Error("no row");
    expect(kept.version).toBe(2);
    expect((await twilioCredentials(testEnv.SECRETS_KEY, kept)).auth).toEqual({ type: "auth_token", authToken });

    // Twilio rotates the token; the connection follows.
    const account = twilio.accounts.get(accountSid);
    if (!account) throw new Error("no account");
    account.authToken = "rotated-token-0123456789";
    const rotated = await call("PATCH", path, { token: w.owner.token, json: { auth: { type: "auth_token", authToken: "rotated-token-0123456789" } } });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ version: 3, secretHint: "…6789" });
    expect(rotated.text).not.toContain("rotated-token");
    const [row] = await rowsOf(w.spaceId);
    if (!row) throw new Error("no row");
    expect((await twilioCredentials(testEnv.SECRETS_KEY, row)).auth).toEqual({ type: "auth_token", authToken: "rotated-token-0123456789" });

    await connectAccount(w, twilio, "Taken");
    expectProblem(await call("PATCH", path, { token: w.owner.token, json: { name: "Taken" } }), 409, "conflict");
  });

  it("keeps a connection that holds numbers until they are released, then deletes it", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const { connectionId, accountSid } = await connectAccount(w, twilio);
    const [numberId] = await importNumbers(w, connectionId, [twilio.addNumber(accountSid).sid]);
    const path = `/v1/telephony-connections/${connectionId}`;
    expect((await call("GET", path, { token: w.member.token })).body["numberCount"]).toBe(1);
    const refused = await call("DELETE", path, { token: w.owner.token });
    expectProblem(refused, 409, "conflict");
    expect(refused.body["detail"]).toContain("release them first");
    expect((await call("DELETE", `/v1/phone-numbers/${String(numberId)}`, { token: w.owner.token })).status).toBe(204);
    expect((await call("DELETE", path, { token: w.owner.token })).status).toBe(204);
    expectProblem(await call("GET", path, { token: w.owner.token }), 404, "not_found");
  });
});

describe("available numbers of a connection", () => {
  it("pages through the account's numbers with Twilio's token and marks those already imported", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const { connectionId, accountSid } = await connectAccount(w, twilio);
    const numbers = [0, 1, 2].map(() => twilio.addNumber(accountSid)).sort((a, b) => a.sid.localeCompare(b.sid));
    twilio.addNumber(twilio.addAccount().accountSid); // another account's: never listed
    const [importedId] = await importNumbers(w, connectionId, [numbers[1]?.sid ?? ""]);
    const path = `/v1/telephony-connections/${connectionId}/available-numbers`;
    const first = await call("GET", `${path}?pageSize=2`, { token: w.owner.token });
    expect(first.status).toBe(200);
    expect(first.body["numbers"]).toEqual([
      { providerNumberId: numbers[0]?.sid, e164: numbers[0]?.phone_number, friendlyName: null, voiceUrl: "https://old-platform.example.com/voice", phoneNumberId: null },
      { providerNumberId: numbers[1]?.sid, e164: numbers[1]?.phone_number, friendlyName: null, voiceUrl: expect.stringMatching(new RegExp(`/telephony/twilio/${connectionId}/voice$`)), phoneNumberId: importedId },
    ]);
    const token = String(first.body["nextPageToken"]);
    const second = await call("GET", `${path}?pageSize=2&pageToken=${encodeURIComponent(token)}`, { token: w.owner.token });
    expect((second.body["numbers"] as { providerNumberId: string }[]).map((n) => n.providerNumberId)).toEqual([numbers[2]?.sid]);
    expect(second.body["nextPageToken"]).toBeNull();
    // Only Twilio's paging keys of the token reached Twilio.
    const listed = twilio.requestsTo("/IncomingPhoneNumbers.json", "GET");
    expect([...(listed.at(-1)?.query.keys() ?? [])].sort()).toEqual(["Page", "PageSize", "PageToken"]);
  });

  it("answers 409 when Twilio refuses the stored credentials, and 503 when Twilio is down", async () => {
    const w = await makeWorld();
    const twilio = stubTwilio();
    const { connectionId, accountSid } = await connectAccount(w, twilio);
    const path = `/v1/telephony-connections/${connectionId}/available-numbers`;
    twilio.outage = { kind: "unreachable" };
    expectProblem(await call("GET", path, { token: w.owner.token }), 503, "upstream_unavailable");
    twilio.outage = null;
    const account = twilio.accounts.get(accountSid);
    if (account) account.authToken = "changed-at-twilio";
    const refused = await call("GET", path, { token: w.owner.token });
    expectProblem(refused, 409, "conflict");
    expect(refused.body["detail"]).toContain("update them on the connection");
  });
});
