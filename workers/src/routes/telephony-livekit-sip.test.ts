// LiveKit SIP connections through the API: trunk settings checked (no private SIP hosts, no half
// credentials), passwords sealed and never shown, numbers imported from the trunk's list; with
// MEDIA_DRIVER=livekit the platform provisions LiveKit (an in-memory LiveKit here) after every
// change — trunks, one dispatch rule per number with an agent — idempotently, shows each number's
// rule, removes rules of released numbers and the trunks of a deleted connection; without LiveKit
// the status is "off"; a failed provisioning is shown, never an error of the request.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { telephonyConnections } from "@speaknode/db";
import { call, expectProblem, makeWorld, testEnv, withDb, type World } from "../../test/helpers.ts";
import { readConfig } from "../config.ts";
import { stubTwilio } from "../telephony/connections-testing.ts";
import { twilioSipAuth } from "../telephony/livekit-sip/sip-auth.ts";
import { callWith, liveKitEnv, stubLiveKit } from "../telephony/livekit-sip/testing.ts";
import { newE164, publishedPhoneAgent } from "../telephony/testing.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

const local = { MEDIA_DRIVER: "local" };

function trunkBody(numbers: string[], over: Record<string, unknown> = {}) {
  return {
    provider: "livekit_sip",
    name: `Trunk ${crypto.randomUUID().slice(0, 8)}`,
    outbound: { address: "speaknode-test.pstn.twilio.com", transport: "tcp", authUsername: "out-user", authPassword: "out-password-1234" },
    inbound: { allowedAddresses: ["54.172.60.0/30"], authUsername: "in-user", authPassword: "in-password-5678" },
    numbers,
    ...over,
  };
}

const create = (w: World, json: unknown, env?: Record<string, string>) => callWith("POST", `/v1/spaces/${w.spaceId}/telephony-connections`, { token: w.owner.token, json }, env);
const importNumbers = (w: World, connectionId: string, providerNumberIds: string[], extra: Record<string, unknown> = {}, env?: Record<string, string>) =>
  callWith("POST", `/v1/spaces/${w.spaceId}/phone-numbers/import`, { token: w.owner.token, json: { connectionId, providerNumberIds, ...extra } }, env);

describe("LiveKit SIP connections", () => {
  it("stores the trunk settings with the passwords sealed, offers the trunk's numbers for import, and shows status off without LiveKit", async () => {
    const w = await makeWorld();
    const numbers = [newE164(), newE164()];
    const created = await create(w, trunkBody(numbers), local);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      provider: "livekit_sip",
      accountId: "livekit",
      authType: "sip",
      secretHint: "…1234",
      voximplant: null,
      livekitSip: {
        outbound: { address: "speaknode-test.pstn.twilio.com", transport: "tcp", authUsername: "out-user" },
        inbound: { allowedAddresses: ["54.172.60.0/30"], authUsername: "in-user" },
        numbers,
        sync: { status: "off", detail: "this deployment has no LiveKit (MEDIA_DRIVER=local)" },
      },
    });
    const id = String(created.body["id"]);
    const [row] = await withDb((db) => db.select().from(telephonyConnections).where(eq(telephonyConnections.id, id)));
    expect(JSON.stringify(row) + created.text).not.toMatch(/out-password-1234|in-password-5678/);

    const available = await call("GET", `/v1/telephony-connections/${id}/available-numbers`, { token: w.owner.token });
    expect(available.body).toEqual({ numbers: numbers.map((e164) => ({ providerNumberId: e164, e164, friendlyName: null, voiceUrl: null, phoneNumberId: null })), nextPageToken: null });
    const imported = await importNumbers(w, id, [numbers[0]!], {}, local);
    expect(imported.status).toBe(201);
    expect((imported.body["imported"] as Record<string, unknown>[])[0]).toMatchObject({ provider: "livekit_sip", e164: numbers[0], providerNumberId: numbers[0], sip: { status: "off", dispatchRuleId: null } });
    const notOnTrunk = await importNumbers(w, id, [newE164()], {}, local);
    expectProblem(notOnTrunk, 400, "validation_failed");
    expect(notOnTrunk.body["errors"]).toEqual([{ field: "body.providerNumberIds.0", message: expect.stringContaining("is not one of the trunk's numbers") }]);

    const health = await call("GET", `/v1/telephony-connections/${id}/health`, { token: w.member.token });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ connectionId: id, ok: false, checks: [{ name: "LiveKit", ok: false, detail: "this deployment has no LiveKit (MEDIA_DRIVER=local)" }] });
  });

  it("refuses private or local SIP hosts, half credentials, ranges that admit anyone and another provider's fields", async () => {
    const w = await makeWorld();
    const numbers = [newE164()];
    const refused = async (over: Record<string, unknown>, field: string) => {
      const res = await create(w, trunkBody(numbers, over), local);
      expectProblem(res, 400, "validation_failed");
      expect((res.body["errors"] as { field: string }[]).map((e) => e.field)).toContain(field);
    };
    await refused({ outbound: { address: "10.0.0.5" } }, "body.outbound.address");
    await refused({ outbound: { address: "169.254.169.254:5060" } }, "body.outbound.address");
    await refused({ outbound: { address: "metadata.google.internal" } }, "body.outbound.address");
    await refused({ outbound: { address: "sip" } }, "body.outbound.address");
    await refused({ outbound: { address: "x.example.com/evil" } }, "body.outbound.address");
    await refused({ outbound: { address: "x.example.com", authPassword: "only-a-password" } }, "body.outbound.authUsername");
    await refused({ inbound: { allowedAddresses: [], authUsername: "only-a-user" } }, "body.inbound.authPassword");
    await refused({ inbound: { allowedAddresses: ["0.0.0.0/0"] } }, "body.inbound.allowedAddresses.0");
    await refused({ numbers: [] }, "body.numbers");
    await refused({ numbers: ["555-0100"] }, "body.numbers.0");
    expect(await withDb((db) => db.select().from(telephonyConnections).where(eq(telephonyConnections.spaceId, w.spaceId)))).toEqual([]);

    const ok = await create(w, trunkBody(numbers), local);
    const foreign = await callWith("PATCH", `/v1/telephony-connections/${String(ok.body["id"])}`, { token: w.owner.token, json: { auth: { type: "auth_token", authToken: "abcdefgh12345" } } }, local);
    expectProblem(foreign, 400, "validation_failed");
    expect(foreign.body["errors"]).toEqual([{ field: "body.auth", message: "not a setting of a LiveKit SIP connection" }]);
  });

  it("provisions LiveKit after each change: trunks, a rule per number with an agent, nothing more on a second run, released numbers lose their rules", async () => {
    const lk = stubLiveKit();
    const w = await makeWorld();
    const agentId = await publishedPhoneAgent(w);
    // Imported in descending order: the inbound trunk lists them sorted, whatever order the rows come back in.
    const numbers = [newE164(), newE164(), newE164()].sort().reverse();
    const created = await create(w, trunkBody(numbers));
    expect(created.status).toBe(201);
    const id = String(created.body["id"]);
    // No number imported yet: an outbound trunk only (an inbound trunk without numbers would take any call).
    expect(created.body["livekitSip"]).toMatchObject({ sync: { status: "synced", detail: null, inboundTrunkId: null, outboundTrunkId: expect.stringMatching(/^ST_/) } });
    const [outbound] = [...lk.outboundTrunks.values()];
    expect(outbound).toMatchObject({ name: `speaknode:${id}:out`, address: "speaknode-test.pstn.twilio.com", transport: "SIP_TRANSPORT_TCP", numbers, authUsername: "out-user", authPassword: "out-password-1234" });

    const imported = await importNumbers(w, id, [numbers[0]!, numbers[1]!], { agentId });
    expect(imported.status).toBe(201);
    const [first, second] = imported.body["imported"] as { id: string; sip: { status: string; dispatchRuleId: string | null } }[];
    expect(first?.sip).toMatchObject({ status: "synced", dispatchRuleId: expect.stringMatching(/^SDR_/) });
    const [inbound] = [...lk.inboundTrunks.values()];
    expect(inbound).toMatchObject({ name: `speaknode:${id}:in`, numbers: [numbers[1], numbers[0]], allowedAddresses: ["54.172.60.0/30"], authUsername: "in-user", authPassword: "in-password-5678", headersToAttributes: { "X-Speaknode-Session": "speaknode.sessionId", "X-Speaknode-Token": "speaknode.token" } });
    const rule = lk.rules.get(first!.sip.dispatchRuleId!);
    const metadata = JSON.stringify({ kind: "speaknode.sip", phoneNumberId: first!.id, connectionId: id });
    expect(rule).toMatchObject({ trunkIds: [inbound?.["sipTrunkId"]], numbers: [numbers[0]], metadata, rule: { dispatchRuleIndividual: { roomPrefix: "call-" } }, roomConfig: { agents: [{ agentName: "speaknode-agent", metadata }] } });
    expect(lk.rules.size).toBe(2);

    // The health check syncs again: nothing changes at LiveKit.
    const before = lk.mutations().length;
    const health = await callWith("GET", `/v1/telephony-connections/${id}/health`, { token: w.member.token });
    expect(health.body).toMatchObject({ ok: true, checks: [{ name: "LiveKit", ok: true }, { name: "Trunks and dispatch rules", ok: true }] });
    expect(lk.mutations().length).toBe(before);

    // Unbinding the agent removes the number's rule; the API shows it.
    const unbound = await callWith("PATCH", `/v1/phone-numbers/${second!.id}`, { token: w.owner.token, json: { agentId: null } });
    expect(unbound.body["sip"]).toMatchObject({ status: "synced", dispatchRuleId: null });
    expect(lk.rules.size).toBe(1);
    // Releasing a number drops its rule and takes it off the inbound trunk.
    expect((await callWith("DELETE", `/v1/phone-numbers/${first!.id}`, { token: w.owner.token })).status).toBe(204);
    expect(lk.rules.size).toBe(0);
    expect([...lk.inboundTrunks.values()][0]?.["numbers"]).toEqual([numbers[1]]);
    const listed = await callWith("GET", `/v1/phone-numbers/${second!.id}`, { token: w.member.token });
    expect(listed.body["sip"]).toMatchObject({ status: "synced" });
  });

  it("keeps omitted credentials on update, refuses dropping an imported number, and deletes the trunks with the connection", async () => {
    const lk = stubLiveKit();
    const w = await makeWorld();
    const numbers = [newE164(), newE164()];
    const id = String((await create(w, trunkBody(numbers))).body["id"]);
    await importNumbers(w, id, [numbers[0]!]);
    const patched = await callWith("PATCH", `/v1/telephony-connections/${id}`, { token: w.owner.token, json: { outbound: { address: "other.pstn.twilio.com", transport: "tls" } } });
    expect(patched.status).toBe(200);
    expect(patched.body["livekitSip"]).toMatchObject({ outbound: { address: "other.pstn.twilio.com", transport: "tls", authUsername: "out-user" }, sync: { status: "synced" } });
    expect([...lk.outboundTrunks.values()][0]).toMatchObject({ address: "other.pstn.twilio.com", authUsername: "out-user", authPassword: "out-password-1234" });

    const dropping = await callWith("PATCH", `/v1/telephony-connections/${id}`, { token: w.owner.token, json: { numbers: [numbers[1]] } });
    expectProblem(dropping, 409, "conflict");
    const phoneId = String(((await callWith("GET", `/v1/spaces/${w.spaceId}/phone-numbers`, { token: w.owner.token })).body.data ?? [])[0]?.["id"]);
    expect((await callWith("DELETE", `/v1/phone-numbers/${phoneId}`, { token: w.owner.token })).status).toBe(204);

    lk.setUnreachable(true);
    const kept = await callWith("DELETE", `/v1/telephony-connections/${id}`, { token: w.owner.token });
    expectProblem(kept, 503, "upstream_unavailable");
    lk.setUnreachable(false);
    expect((await callWith("DELETE", `/v1/telephony-connections/${id}`, { token: w.owner.token })).status).toBe(204);
    expect(lk.inboundTrunks.size + lk.outboundTrunks.size).toBe(0);
  });

  it("records a failed provisioning on the connection with LiveKit's words instead of failing the request", async () => {
    const lk = stubLiveKit();
    const w = await makeWorld();
    lk.failNext("CreateSIPOutboundTrunk", { status: 400, code: "invalid_argument", msg: "address is not valid" });
    const created = await create(w, trunkBody([newE164()]));
    expect(created.status).toBe(201);
    expect(created.body["livekitSip"]).toMatchObject({ sync: { status: "failed", detail: expect.stringContaining("LiveKit refused the outbound trunk") } });
    expect(String((created.body["livekitSip"] as { sync: { detail: string } }).sync.detail)).toContain("address is not valid");

    lk.setUnreachable(true);
    const id = String(created.body["id"]);
    const health = await callWith("GET", `/v1/telephony-connections/${id}/health`, { token: w.member.token });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: false, checks: [{ name: "LiveKit", ok: false }] });
    lk.setUnreachable(false);
    const repaired = await callWith("GET", `/v1/telephony-connections/${id}/health`, { token: w.member.token });
    expect(repaired.body).toMatchObject({ ok: true });
    expect((await callWith("GET", `/v1/telephony-connections/${id}`, { token: w.member.token })).body["livekitSip"]).toMatchObject({ sync: { status: "synced", detail: null } });
  });
});

describe("Twilio connections when Twilio calls reach LiveKit over SIP (LIVEKIT_SIP_HOST)", () => {
  it("gives the connection an inbound trunk with platform-made digest credentials and a rule per number, and checks both in its health", async () => {
    const lk = stubLiveKit();
    const twilio = stubTwilio(); // in front of the LiveKit fake: other hosts pass through to it
    const sipEnv = { ...liveKitEnv, LIVEKIT_SIP_HOST: "speaknode-test.sip.livekit.cloud" };
    const w = await makeWorld();
    const agentId = await publishedPhoneAgent(w);
    const account = twilio.addAccount();
    const created = await callWith("POST", `/v1/spaces/${w.spaceId}/telephony-connections`, { token: w.owner.token, json: { provider: "twilio", name: "Twilio via SIP", accountSid: account.accountSid, auth: { type: "auth_token", authToken: account.authToken } } }, sipEnv);
    expect(created.status).toBe(201);
    expect(created.body["livekitSip"]).toBeNull();
    const id = String(created.body["id"]);
    const number = twilio.addNumber(account.accountSid);
    const imported = await importNumbers(w, id, [number.sid], { agentId }, sipEnv);
    expect(imported.status).toBe(201);
    expect((imported.body["imported"] as { sip: unknown }[])[0]?.sip).toMatchObject({ status: "synced", dispatchRuleId: expect.stringMatching(/^SDR_/) });

    const [row] = await withDb((db) => db.select().from(telephonyConnections).where(eq(telephonyConnections.id, id)));
    if (!row) throw new Error("no row");
    const digest = await twilioSipAuth(readConfig({ ...testEnv, ...sipEnv }), row);
    expect(digest).toEqual({ username: expect.any(String), password: expect.any(String) });
    expect(JSON.stringify(row.providerState)).not.toContain(digest!.password);
    expect([...lk.inboundTrunks.values()]).toEqual([expect.objectContaining({ name: `speaknode:${id}:in`, numbers: [number.phone_number], authUsername: digest!.username, authPassword: digest!.password })]);
    expect(lk.outboundTrunks.size).toBe(0);

    const health = await callWith("GET", `/v1/telephony-connections/${id}/health`, { token: w.member.token }, sipEnv);
    expect(health.body).toMatchObject({ ok: true, checks: [{ name: "Twilio account", ok: true }, { name: "LiveKit", ok: true }, { name: "Trunks and dispatch rules", ok: true }] });
  });
});
