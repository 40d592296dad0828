// Contract tests: the official SDK's SipClient, with the global fetch stubbed, and our client make
// the same request (path, JSON body, token grants) for the same inputs; responses are the SDK's own
// protobuf JSON of documented examples (no LiveKit server can run here).
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  RoomAgentDispatch,
  RoomConfiguration,
  SIPDispatchRule,
  SIPDispatchRuleIndividual,
  SIPDispatchRuleInfo,
  SIPInboundTrunkInfo,
  SIPOutboundTrunkInfo,
  SIPParticipantInfo,
  SipClient,
} from "livekit-server-sdk";
import { liveKitSipClient, SipCallError, sipCallOutcome, type SipDispatchRuleInput, type SipInboundTrunkInput, type SipOutboundTrunkInput } from "./client.ts";

interface Captured {
  path: string;
  body: unknown;
  grants: { sip?: unknown; video?: unknown };
}

// SIPTransport is not exported by the SDK: its values (livekit_sip.proto) are AUTO 0, UDP 1, TCP 2, TLS 3.
const SIPTransport = { SIP_TRANSPORT_AUTO: 0, SIP_TRANSPORT_TCP: 2 } as const satisfies Record<string, SIPOutboundTrunkInfo["transport"]>;

const host = "https://lk.example.test";
const key = "APIcontract";
const secret = "contract-secret-of-enough-length-0123456789";

function claims(authorization: string): { sip?: unknown; video?: unknown } {
  const payload = authorization.replace(/^Bearer /, "").split(".")[1] ?? "";
  const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { sip?: unknown; video?: unknown };
  return { sip: json.sip, video: json.video };
}

/** A fetch that records each request and answers `response` (JSON). */
function recorder(response: unknown, status = 200): { fetch: typeof fetch; seen: Captured[] } {
  const seen: Captured[] = [];
  const fn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    seen.push({ path: url.pathname, body: JSON.parse(String(init?.body)), grants: claims(headers.get("Authorization") ?? "") });
    return new Response(JSON.stringify(response), { status, headers: { "content-type": "application/json" } });
  };
  return { fetch: fn as typeof fetch, seen };
}

/** Runs the SDK call with the global fetch stubbed and ours with an injected one; returns both requests. */
async function both(response: unknown, sdkCall: (sdk: SipClient) => Promise<unknown>, ourCall: (ours: ReturnType<typeof liveKitSipClient>) => Promise<unknown>): Promise<{ sdk: Captured; ours: Captured; ourResult: unknown }> {
  const sdkSide = recorder(response);
  vi.stubGlobal("fetch", sdkSide.fetch);
  await sdkCall(new SipClient(host, key, secret));
  vi.unstubAllGlobals();
  const ourSide = recorder(response);
  const ourResult = await ourCall(liveKitSipClient({ url: "wss://lk.example.test", apiKey: key, apiSecret: secret, fetchImpl: ourSide.fetch }));
  expect(sdkSide.seen).toHaveLength(1);
  expect(ourSide.seen).toHaveLength(1);
  return { sdk: sdkSide.seen[0]!, ours: ourSide.seen[0]!, ourResult };
}

const headersToAttributes = { "X-Speaknode-Session": "speaknode.sessionId", "X-Speaknode-Token": "speaknode.token" };
const inbound: SipInboundTrunkInput = {
  name: "speaknode:tc_1:in",
  metadata: '{"speaknode":"tc_1"}',
  numbers: ["+15555550100", "+15555550101"],
  allowedAddresses: ["54.172.60.0/30"],
  authUsername: "user",
  authPassword: "pass-word-1",
  headersToAttributes,
};
const inboundInfo = new SIPInboundTrunkInfo({ sipTrunkId: "ST_in", ...inbound });
const outbound: SipOutboundTrunkInput = { name: "speaknode:tc_1:out", metadata: "{}", address: "x.pstn.twilio.com", transport: "tcp", numbers: ["+15555550100"], authUsername: "u", authPassword: "p-secret-1" };
const outboundInfo = new SIPOutboundTrunkInfo({ sipTrunkId: "ST_out", ...outbound, transport: SIPTransport.SIP_TRANSPORT_TCP });
const rule: SipDispatchRuleInput = {
  name: "speaknode:pn_1",
  metadata: '{"kind":"speaknode.sip"}',
  trunkIds: ["ST_in"],
  numbers: ["+15555550100"],
  roomPrefix: "call-",
  agents: [{ agentName: "speaknode-agent", metadata: '{"kind":"speaknode.sip"}' }],
};
const ruleInfo = (id = "") =>
  new SIPDispatchRuleInfo({
    sipDispatchRuleId: id,
    name: rule.name,
    metadata: rule.metadata,
    trunkIds: rule.trunkIds,
    numbers: rule.numbers,
    rule: new SIPDispatchRule({ rule: { case: "dispatchRuleIndividual", value: new SIPDispatchRuleIndividual({ roomPrefix: "call-" }) } }),
    roomConfig: new RoomConfiguration({ agents: rule.agents.map((a) => new RoomAgentDispatch(a)) }),
  });

afterEach(() => vi.unstubAllGlobals());

describe("the LiveKit SIP client sends what the SDK's SipClient sends", () => {
  it("creates and updates an inbound trunk with the same body and SIP admin grant, and reads the SDK's JSON back", async () => {
    const created = await both(inboundInfo.toJson(), (s) => s.createSipInboundTrunk(inbound.name, inbound.numbers, { ...inbound }), (o) => o.createInboundTrunk(inbound));
    expect(created.ours).toEqual(created.sdk);
    expect(created.ours.path).toBe("/twirp/livekit.SIP/CreateSIPInboundTrunk");
    expect(created.ours.grants.sip).toEqual({ admin: true });
    expect(created.ourResult).toEqual({ sipTrunkId: "ST_in", name: inbound.name, metadata: inbound.metadata, numbers: inbound.numbers, allowedAddresses: inbound.allowedAddresses, authUsername: "user", headersToAttributes });

    const { sipTrunkId: _id, ...info } = inboundInfo;
    const updated = await both(inboundInfo.toJson(), (s) => s.updateSipInboundTrunk("ST_in", new SIPInboundTrunkInfo(info)), (o) => o.updateInboundTrunk("ST_in", inbound));
    expect(updated.ours).toEqual(updated.sdk);
  });

  it("lists inbound and outbound trunks and dispatch rules the same way, parsing the items", async () => {
    const lin = await both({ items: [inboundInfo.toJson()] }, (s) => s.listSipInboundTrunk(), (o) => o.listInboundTrunks());
    expect(lin.ours).toEqual(lin.sdk);
    expect(lin.ourResult).toMatchObject([{ sipTrunkId: "ST_in", numbers: inbound.numbers }]);
    const lout = await both({ items: [outboundInfo.toJson()] }, (s) => s.listSipOutboundTrunk(), (o) => o.listOutboundTrunks());
    expect(lout.ours).toEqual(lout.sdk);
    expect(lout.ourResult).toMatchObject([{ sipTrunkId: "ST_out", transport: "tcp", address: "x.pstn.twilio.com" }]);
    const lrules = await both({ items: [ruleInfo("SDR_1").toJson()] }, (s) => s.listSipDispatchRule(), (o) => o.listDispatchRules());
    expect(lrules.ours).toEqual(lrules.sdk);
    expect(lrules.ourResult).toEqual([{ sipDispatchRuleId: "SDR_1", ...rule }]);
  });

  it("creates and updates an outbound trunk with the transport as the enum's name, and auto left out", async () => {
    const created = await both(outboundInfo.toJson(), (s) => s.createSipOutboundTrunk(outbound.name, outbound.address, outbound.numbers, { ...outbound, transport: SIPTransport.SIP_TRANSPORT_TCP }), (o) => o.createOutboundTrunk(outbound));
    expect(created.ours).toEqual(created.sdk);
    expect(created.ours.body).toMatchObject({ trunk: { transport: "SIP_TRANSPORT_TCP" } });
    const auto = await both(outboundInfo.toJson(), (s) => s.createSipOutboundTrunk(outbound.name, outbound.address, outbound.numbers, { ...outbound, transport: SIPTransport.SIP_TRANSPORT_AUTO }), (o) => o.createOutboundTrunk({ ...outbound, transport: "auto" }));
    expect(auto.ours).toEqual(auto.sdk);
    const { sipTrunkId: _id, ...info } = outboundInfo;
    const updated = await both(outboundInfo.toJson(), (s) => s.updateSipOutboundTrunk("ST_out", new SIPOutboundTrunkInfo(info)), (o) => o.updateOutboundTrunk("ST_out", outbound));
    expect(updated.ours).toEqual(updated.sdk);
  });

  it("deletes trunks and rules the same way", async () => {
    const t = await both(inboundInfo.toJson(), (s) => s.deleteSipTrunk("ST_in"), (o) => o.deleteTrunk("ST_in"));
    expect(t.ours).toEqual(t.sdk);
    const r = await both(ruleInfo("SDR_1").toJson(), (s) => s.deleteSipDispatchRule("SDR_1"), (o) => o.deleteDispatchRule("SDR_1"));
    expect(r.ours).toEqual(r.sdk);
  });

  it("creates a dispatch rule as a SIPDispatchRuleInfo (the form that takes numbers) and updates it as the SDK replaces one", async () => {
    // The SDK's createSipDispatchRule has no `numbers` option and sends the rule's fields at the
    // top level; ours sends the same fields inside `dispatchRule`, which LiveKit prefers.
    const created = await both(
      ruleInfo("SDR_1").toJson(),
      (s) => s.createSipDispatchRule({ type: "individual", roomPrefix: "call-" }, { name: rule.name, metadata: rule.metadata, trunkIds: rule.trunkIds, roomConfig: new RoomConfiguration({ agents: rule.agents.map((a) => new RoomAgentDispatch(a)) }) }),
      (o) => o.createDispatchRule(rule),
    );
    expect(created.ours.path).toBe(created.sdk.path);
    expect(created.ours.grants).toEqual(created.sdk.grants);
    const { numbers, ...withoutNumbers } = (created.ours.body as { dispatchRule: Record<string, unknown> }).dispatchRule;
    expect(numbers).toEqual(rule.numbers);
    expect(withoutNumbers).toEqual(created.sdk.body);
    expect(created.ours.body).toEqual({ dispatchRule: ruleInfo().toJson() });
    expect(created.ourResult).toEqual({ sipDispatchRuleId: "SDR_1", ...rule });

    const updated = await both(ruleInfo("SDR_1").toJson(), (s) => s.updateSipDispatchRule("SDR_1", ruleInfo()), (o) => o.updateDispatchRule("SDR_1", rule));
    expect(updated.ours).toEqual(updated.sdk);
  });

  it("dials a SIP participant with the same body and SIP call grant", async () => {
    const answer = new SIPParticipantInfo({ participantId: "PA_1", participantIdentity: "sip-sess_1", roomName: "sess-1", sipCallId: "SCL_1" }).toJson();
    const r = await both(
      answer,
      (s) => s.createSipParticipant("ST_out", "+15555550199", "sess-1", { fromNumber: "+15555550100", participantIdentity: "sip-sess_1", participantName: "Caller", participantAttributes: { "speaknode.sessionId": "sess_1" }, ringingTimeout: 30, maxCallDuration: 600, waitUntilAnswered: true }),
      (o) => o.createParticipant({ trunkId: "ST_out", to: "+15555550199", from: "+15555550100", room: "sess-1", identity: "sip-sess_1", name: "Caller", attributes: { "speaknode.sessionId": "sess_1" }, ringingTimeoutS: 30, maxCallDurationS: 600, waitUntilAnswered: true }),
    );
    expect(r.ours).toEqual(r.sdk);
    expect(r.ours.grants.sip).toEqual({ call: true });
    expect(r.ourResult).toEqual({ participantId: "PA_1", participantIdentity: "sip-sess_1", roomName: "sess-1", sipCallId: "SCL_1" });
  });

  it("transfers a SIP participant with the same body, the room admin grant and SIP call", async () => {
    const r = await both({}, (s) => s.transferSipParticipant("sess-1", "sip-sess_1", "tel:+15555550123", { playDialtone: true }), (o) => o.transferParticipant({ room: "sess-1", identity: "sip-sess_1", transferTo: "tel:+15555550123", playDialtone: true }));
    expect(r.ours).toEqual(r.sdk);
    expect(r.ours.grants.video).toMatchObject({ roomAdmin: true, room: "sess-1" });
  });
});

describe("a failed SIP call", () => {
  it("is a SipCallError with the SIP status from the Twirp error's meta, mapped to busy / no-answer / failed", async () => {
    const outcomeOf = async (meta: Record<string, string>) => {
      const { fetch: f } = recorder({ code: "unavailable", msg: "sip call failed", meta }, 503);
      const client = liveKitSipClient({ url: host, apiKey: key, apiSecret: secret, fetchImpl: f });
      const err = await client.createParticipant({ trunkId: "ST", to: "+15555550199", from: "+15555550100", room: "r", identity: "i", ringingTimeoutS: 30, maxCallDurationS: 60, waitUntilAnswered: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SipCallError);
      return err as SipCallError;
    };
    const busy = await outcomeOf({ sip_status_code: "486", sip_status: "Busy Here" });
    expect([busy.sipStatusCode, busy.sipStatus, sipCallOutcome(busy)]).toEqual([486, "Busy Here", "busy"]);
    expect(sipCallOutcome(await outcomeOf({ sip_status_code: "480" }))).toBe("no-answer");
    expect(sipCallOutcome(await outcomeOf({ sip_status_code: "487" }))).toBe("no-answer");
    expect(sipCallOutcome(await outcomeOf({ sip_status_code: "600" }))).toBe("busy");
    expect(sipCallOutcome(await outcomeOf({ sip_status_code: "503" }))).toBe("failed");
  });
});
