// Reconciling a connection at LiveKit (against the in-memory LiveKit SIP service): trunks and one
// rule per number that takes calls are created once; a second run changes nothing; a changed
// setting updates in place; released numbers lose their rules; removal deletes everything of the
// connection and nothing of anyone else's; a refused rule is a recorded failure, not an exception.
import { describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import { liveKitSipClient } from "./client.ts";
import { FakeLiveKit } from "./fake-livekit.ts";
import { reconcileSip, type DesiredSip } from "./reconcile.ts";

const origin = "https://lk.example.test";
// Rules are recognised by their SipDispatchMetadata, which takes real ids only.
const tc1 = newId("telephonyConnection");
const tc2 = newId("telephonyConnection");
const [pn1, pn2, pn3, pn9] = [newId("phoneNumber"), newId("phoneNumber"), newId("phoneNumber"), newId("phoneNumber")];

function setup() {
  const fake = new FakeLiveKit(origin, () => Promise.reject(new Error("no other host")));
  const client = liveKitSipClient({ url: "wss://lk.example.test", apiKey: "APIk", apiSecret: "secret-secret-secret-secret", fetchImpl: fake.fetch });
  return { fake, client };
}

const desired = (over: Partial<DesiredSip> = {}): DesiredSip => ({
  connectionId: tc1,
  agentName: "speaknode-agent",
  inbound: { numbers: ["+15555550100", "+15555550101"], allowedAddresses: ["54.172.60.0/30"], authPassword: "pw-in-123", authUsername: "in", headersToAttributes: { "X-Speaknode-Session": "speaknode.sessionId" } },
  outbound: { address: "x.pstn.twilio.com", transport: "tcp", numbers: ["+15555550100"], authUsername: "out", authPassword: "pw-out-123" },
  numbers: [
    { phoneNumberId: pn1, e164: "+15555550100", dispatch: true },
    { phoneNumberId: pn2, e164: "+15555550101", dispatch: true },
    { phoneNumberId: pn3, e164: "+15555550102", dispatch: false },
  ],
  ...over,
});

describe("reconciling a connection at LiveKit", () => {
  it("creates its trunks and a rule per dispatching number once; a second run makes no change", async () => {
    const { fake, client } = setup();
    const first = await reconcileSip(client, tc1, desired());
    expect(first.failures).toEqual([]);
    expect(fake.mutations().map((r) => r.method).sort()).toEqual(["CreateSIPDispatchRule", "CreateSIPDispatchRule", "CreateSIPInboundTrunk", "CreateSIPOutboundTrunk"]);
    const [inbound] = [...fake.inboundTrunks.values()];
    expect(inbound).toMatchObject({ name: `speaknode:${tc1}:in`, numbers: ["+15555550100", "+15555550101"], authPassword: "pw-in-123" });
    const rule = [...fake.rules.values()].find((r) => r["name"] === `speaknode:${pn1}`);
    const metadata = JSON.stringify({ kind: "speaknode.sip", phoneNumberId: pn1, connectionId: tc1 });
    expect(rule).toMatchObject({ trunkIds: [first.inboundTrunkId], numbers: ["+15555550100"], metadata, rule: { dispatchRuleIndividual: { roomPrefix: "call-" } }, roomConfig: { agents: [{ agentName: "speaknode-agent", metadata }] } });
    expect(first.numbers.get(pn1)).toEqual({ status: "synced", dispatchRuleId: rule?.["sipDispatchRuleId"], detail: null });
    expect(first.numbers.get(pn3)).toMatchObject({ status: "synced", dispatchRuleId: null });

    const before = fake.mutations().length;
    const second = await reconcileSip(client, tc1, desired());
    expect(fake.mutations().length).toBe(before);
    expect(second).toEqual(first);
  });

  it("updates a trunk whose password changed (LiveKit does not list passwords: the fingerprint tells) and drops the rules of released numbers", async () => {
    const { fake, client } = setup();
    const first = await reconcileSip(client, tc1, desired());
    const before = fake.mutations().length;
    const changed = desired({ outbound: { ...desired().outbound!, authPassword: "pw-out-456" }, numbers: [desired().numbers[0]!] });
    const second = await reconcileSip(client, tc1, changed);
    expect(fake.mutations().slice(before).map((r) => r.method).sort()).toEqual(["DeleteSIPDispatchRule", "UpdateSIPOutboundTrunk"]);
    expect(second.outboundTrunkId).toBe(first.outboundTrunkId);
    expect([...fake.rules.values()].map((r) => r["name"])).toEqual([`speaknode:${pn1}`]);
  });

  it("removes the connection's rules and trunks and leaves another connection's alone", async () => {
    const { fake, client } = setup();
    await reconcileSip(client, tc1, desired());
    await reconcileSip(client, tc2, desired({ connectionId: tc2, inbound: { ...desired().inbound!, numbers: ["+15555550200"] }, numbers: [{ phoneNumberId: pn9, e164: "+15555550200", dispatch: true }] }));
    const removed = await reconcileSip(client, tc1, null);
    expect(removed.failures).toEqual([]);
    expect([...fake.inboundTrunks.values(), ...fake.outboundTrunks.values()].map((t) => t["name"]).sort()).toEqual([`speaknode:${tc2}:in`, `speaknode:${tc2}:out`]);
    expect([...fake.rules.values()].map((r) => r["name"])).toEqual([`speaknode:${pn9}`]);
  });

  it("records a refused rule against its number and still syncs the rest", async () => {
    const { fake, client } = setup();
    fake.failNext("CreateSIPDispatchRule", { status: 400, code: "invalid_argument", msg: "conflicting SIP Dispatch Rules" });
    const result = await reconcileSip(client, tc1, desired());
    expect(result.failures).toEqual([expect.stringContaining("+15555550100: LiveKit refused the dispatch rule")]);
    expect(result.numbers.get(pn1)).toMatchObject({ status: "failed", dispatchRuleId: null, detail: expect.stringContaining("conflicting SIP Dispatch Rules") });
    expect(result.numbers.get(pn2)).toMatchObject({ status: "synced" });
    // The next run repairs it.
    const again = await reconcileSip(client, tc1, desired());
    expect(again.failures).toEqual([]);
    expect(fake.rules.size).toBe(2);
  });
});
