// A Twilio connection given an Elastic SIP trunk toward LiveKit: the trunk, its origination URL and
// termination credentials made at Twilio (an in-memory Trunking API), a LiveKit SIP connection whose
// trunks LiveKit (in memory) gets with the same credentials, and the chosen numbers moved onto both;
// a re-run changes nothing; a failure part-way is undone at Twilio and leaves Postgres as it was.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { phoneNumbers, telephonyConnections } from "@speaknode/db";
import { expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { callWith, liveKitEnv, stubLiveKit } from "../telephony/livekit-sip/testing.ts";
import type { FakeLiveKit } from "../telephony/livekit-sip/fake-livekit.ts";
import { twilioSignallingRanges } from "../telephony/livekit-sip/twilio-trunk.ts";
import { FakeTrunking } from "../telephony/twilio/fake-trunking.ts";
import { FakeTwilio, type FakeNumber } from "../telephony/twilio/fake-twilio.ts";
import { publishedPhoneAgent } from "../telephony/testing.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

const sipHost = "speaknode-test.sip.livekit.cloud";
const sipEnv = { ...liveKitEnv, LIVEKIT_SIP_HOST: sipHost };

interface Setup {
  w: World;
  lk: FakeLiveKit;
  twilio: FakeTwilio;
  trunking: FakeTrunking;
  connectionId: string;
  numbers: FakeNumber[];
  phoneIds: string[];
}

/** A space with a Twilio connection (through LiveKit SIP) and two numbers imported with an agent. */
async function setup(): Promise<Setup> {
  const lk = stubLiveKit();
  const twilio = new FakeTwilio("https://api.twilio.com", globalThis.fetch);
  const trunking = new FakeTrunking(twilio);
  vi.stubGlobal("fetch", trunking.fetch);
  const w = await makeWorld();
  const agentId = await publishedPhoneAgent(w);
  const account = twilio.addAccount();
  const created = await callWith("POST", `/v1/spaces/${w.spaceId}/telephony-connections`, { token: w.owner.token, json: { provider: "twilio", name: "Twilio", accountSid: account.accountSid, auth: { type: "auth_token", authToken: account.authToken } } }, sipEnv);
  if (created.status !== 201) throw new Error(`connecting failed: ${created.text}`);
  const connectionId = String(created.body["id"]);
  const numbers = [twilio.addNumber(account.accountSid), twilio.addNumber(account.accountSid)];
  const imported = await callWith("POST", `/v1/spaces/${w.spaceId}/phone-numbers/import`, { token: w.owner.token, json: { connectionId, providerNumberIds: numbers.map((n) => n.sid), agentId } }, sipEnv);
  if (imported.status !== 201) throw new Error(`import failed: ${imported.text}`);
  const phoneIds = (imported.body["imported"] as { id: string }[]).map((n) => n.id);
  return { w, lk, twilio, trunking, connectionId, numbers, phoneIds };
}

const trunkCall = (s: Setup, json: unknown, env: Record<string, string> = sipEnv, token = s.w.owner.token) =>
  callWith("POST", `/v1/telephony-connections/${s.connectionId}/livekit-sip-trunk`, { token, json }, env);

describe("POST /v1/telephony-connections/{id}/livekit-sip-trunk", () => {
  it("makes the trunk at Twilio, a LiveKit SIP connection over it with the same credentials, and moves the chosen number onto both", async () => {
    const s = await setup();
    const [first, second] = s.numbers as [FakeNumber, FakeNumber];
    const res = await trunkCall(s, { name: "Via Twilio trunk", phoneNumberIds: [s.phoneIds[0]] });
    expect(res.status).toBe(201);
    const domain = `speaknode-${s.connectionId.slice(-12)}.pstn.twilio.com`;
    const connection = res.body["connection"] as { id: string; livekitSip: Record<string, unknown> };
    expect(res.body).toMatchObject({
      changed: true,
      twilioTrunk: { sid: expect.stringMatching(/^TK/), domainName: domain, originationSipUrl: `sip:${sipHost};transport=tcp`, credentialListSid: expect.stringMatching(/^CL/) },
      connection: {
        provider: "livekit_sip",
        name: "Via Twilio trunk",
        livekitSip: { outbound: { address: domain, transport: "tcp", authUsername: expect.stringMatching(/^speaknode-/) }, inbound: { allowedAddresses: [...twilioSignallingRanges], authUsername: null }, numbers: [first.phone_number], sync: { status: "synced", detail: null } },
      },
      phoneNumbers: [{ id: s.phoneIds[0], connectionId: connection.id, provider: "livekit_sip", e164: first.phone_number, providerNumberId: first.phone_number, sip: { status: "synced", dispatchRuleId: expect.stringMatching(/^SDR_/) } }],
    });

    // Twilio: the trunk with its origination URL (every required field), the list associated, the one number.
    const [trunk] = [...s.trunking.trunks.values()];
    expect(s.trunking.trunks.size).toBe(1);
    expect(trunk?.domain_name).toBe(domain);
    expect([...s.trunking.originationUrls.values()]).toEqual([expect.objectContaining({ trunk_sid: trunk?.sid, sip_url: `sip:${sipHost};transport=tcp`, weight: 10, priority: 10, enabled: true })]);
    const [credential] = [...s.trunking.credentials.values()];
    expect(s.trunking.credentials.size).toBe(1);
    expect(s.trunking.trunkCredentialLists.get(trunk!.sid)).toEqual(new Set([credential?.credential_list_sid]));
    expect([...s.trunking.numberTrunks]).toEqual([[first.sid, trunk?.sid]]);

    // LiveKit: the outbound trunk digests with Twilio's credential; the inbound trunk admits Twilio's ranges.
    const outbound = [...s.lk.outboundTrunks.values()].find((t) => t["name"] === `speaknode:${connection.id}:out`);
    expect(outbound).toMatchObject({ address: domain, transport: "SIP_TRANSPORT_TCP", numbers: [first.phone_number], authUsername: credential?.username, authPassword: credential?.password });
    const inbound = [...s.lk.inboundTrunks.values()].find((t) => t["name"] === `speaknode:${connection.id}:in`);
    expect(inbound).toMatchObject({ numbers: [first.phone_number], allowedAddresses: [...twilioSignallingRanges] });
    // The Twilio connection keeps only the other number, at LiveKit too.
    expect([...s.lk.inboundTrunks.values()].find((t) => t["name"] === `speaknode:${s.connectionId}:in`)?.["numbers"]).toEqual([second.phone_number]);
    expect(res.text).not.toContain(credential!.password);

    const rows = await withDb((db) => db.select().from(phoneNumbers).where(eq(phoneNumbers.spaceId, s.w.spaceId)));
    expect(Object.fromEntries(rows.map((r) => [r.id, r.connectionId]))).toEqual({ [s.phoneIds[0]!]: connection.id, [s.phoneIds[1]!]: s.connectionId });
  });

  it("changes nothing when run again, and moves a number given on a later run onto the same trunk", async () => {
    const s = await setup();
    const body = { name: "Via Twilio trunk", phoneNumberIds: [s.phoneIds[0]] };
    const first = await trunkCall(s, body);
    expect(first.status).toBe(201);
    const twilioWrites = s.trunking.mutations().length;
    const liveKitWrites = s.lk.mutations().length;

    const again = await trunkCall(s, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ changed: false, connection: { id: (first.body["connection"] as { id: string }).id, version: (first.body["connection"] as { version: number }).version }, phoneNumbers: [{ id: s.phoneIds[0] }] });
    expect(s.trunking.mutations().length).toBe(twilioWrites);
    expect(s.lk.mutations().length).toBe(liveKitWrites);

    const more = await trunkCall(s, { name: "Via Twilio trunk", phoneNumberIds: s.phoneIds });
    expect(more.status).toBe(200);
    expect(more.body).toMatchObject({ changed: true, connection: { livekitSip: { numbers: s.numbers.map((n) => n.phone_number) } } });
    expect(s.trunking.trunks.size).toBe(1);
    expect(s.trunking.credentials.size).toBe(1);
    expect(s.trunking.mutations().slice(twilioWrites).map((r) => `${r.method} ${r.path.replace(/[A-Z]{2}[0-9a-f]{32}/g, "…")}`)).toEqual(["POST /v1/Trunks/…/PhoneNumbers"]);
    expect(s.trunking.numberTrunks.size).toBe(2);
  });

  it("refuses with 409 naming LIVEKIT_SIP_HOST when it is not set, asking nothing of Twilio", async () => {
    const s = await setup();
    const res = await trunkCall(s, { name: "Via Twilio trunk" }, liveKitEnv);
    expectProblem(res, 409, "conflict");
    expect(String(res.body["detail"])).toContain("LIVEKIT_SIP_HOST must be set");
    expect(s.trunking.requests).toEqual([]);
  });

  it("undoes what it made at Twilio when Twilio fails part-way, and writes nothing", async () => {
    const s = await setup();
    s.trunking.failing = { method: "POST", pathEnd: /\/PhoneNumbers$/, status: 500 };
    const res = await trunkCall(s, { name: "Via Twilio trunk", phoneNumberIds: [s.phoneIds[0]] });
    expectProblem(res, 503, "upstream_unavailable");
    expect(s.trunking.trunks.size + s.trunking.originationUrls.size + s.trunking.credentialLists.size + s.trunking.credentials.size + s.trunking.numberTrunks.size).toBe(0);
    const connections = await withDb((db) => db.select().from(telephonyConnections).where(eq(telephonyConnections.spaceId, s.w.spaceId)));
    expect(connections.map((r) => r.provider)).toEqual(["twilio"]);
    const rows = await withDb((db) => db.select().from(phoneNumbers).where(eq(phoneNumbers.spaceId, s.w.spaceId)));
    expect(rows.every((r) => r.connectionId === s.connectionId)).toBe(true);

    // Stored credentials Twilio now refuses: a 409 to update them, nothing left behind either.
    s.trunking.failing = { method: "POST", pathEnd: /\/Credentials\.json$/, status: 401 };
    const refused = await trunkCall(s, { name: "Via Twilio trunk" });
    expectProblem(refused, 409, "conflict");
    expect(s.trunking.trunks.size + s.trunking.credentialLists.size).toBe(0);
  });

  it("keeps what an earlier run made when a later run fails, undoing only its own part", async () => {
    const s = await setup();
    expect((await trunkCall(s, { name: "Via Twilio trunk", phoneNumberIds: [s.phoneIds[0]] })).status).toBe(201);
    s.trunking.failing = { method: "POST", pathEnd: /\/PhoneNumbers$/, status: 503 };
    const res = await trunkCall(s, { name: "Via Twilio trunk", phoneNumberIds: s.phoneIds });
    expectProblem(res, 503, "upstream_unavailable");
    expect([s.trunking.trunks.size, s.trunking.originationUrls.size, s.trunking.credentials.size, s.trunking.numberTrunks.size]).toEqual([1, 1, 1, 1]);
    const [row] = await withDb((db) => db.select().from(phoneNumbers).where(eq(phoneNumbers.id, s.phoneIds[1]!)));
    expect(row?.connectionId).toBe(s.connectionId);
  });

  it("refuses a number of another connection or space by its field, before Twilio is asked", async () => {
    const s = await setup();
    const res = await trunkCall(s, { name: "Via Twilio trunk", phoneNumberIds: [s.phoneIds[0], "pnm_01jqz8k3m4n5p6q7r8s9t0v1w2"] });
    expectProblem(res, 400, "validation_failed");
    expect(res.body["errors"]).toEqual([{ field: "body.phoneNumberIds.1", message: "no phone number of this space has this id" }]);
    expect(s.trunking.requests).toEqual([]);
  });

  it("is for Owners of the connection's space: a member gets 403, another space 404", async () => {
    const s = await setup();
    expectProblem(await trunkCall(s, { name: "Via Twilio trunk" }, sipEnv, s.w.member.token), 403, "forbidden");
    expectProblem(await trunkCall(s, { name: "Via Twilio trunk" }, sipEnv, s.w.outsider.token), 404, "not_found");
    expect(s.trunking.requests).toEqual([]);
  });
});
