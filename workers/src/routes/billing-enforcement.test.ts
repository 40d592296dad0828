// The space's plan at every door: once a hard-stop plan's minutes are spent, or its concurrent
// sessions are full, every dispatch channel (widget, API, an inbound Twilio or LiveKit SIP call, an
// outbound call) is refused with its problem (the inbound caller hears busy) and leaves no live session, while a
// member's dashboard test still runs; creating what the plan does not include or has no room for is
// a 403 plan_limit naming the limit and the plan. (Campaigns: campaign-runner/billing.test.ts.)
import { and, eq, ne } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sessions } from "@speaknode/db";
import { call, expectProblem, withDb, type World } from "../../test/helpers.ts";
import { callAtEdge, randomClientIp } from "../../test/edge.ts";
import { agentBody } from "../../test/fixtures.ts";
import { callSid, fakeTwilio, phoneFixture, twilioCall } from "../../test/outbound-fixtures.ts";
import { onOwnPlan, spendSeconds } from "../billing/enforcement-testing.ts";
import { campaignWorld, createDraft, mapping } from "../campaigns/campaigns-testing.ts";
import { runtimeCall } from "../runtime/testing.ts";
import { sipWorld } from "../telephony/sip-testing.ts";
import { newCallSid, newE164, phoneWorld, postTwilio, voiceParams, type PhoneWorld } from "../telephony/testing.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

const variables = { order_id: 7 };
const api = (w: World) => call("POST", `/v1/agents/${w.agentId}/sessions`, { token: w.apiKey, json: { variables } });
const widget = (w: World) => callAtEdge("POST", `/public/agents/${w.agentId}/sessions`, { json: { variables: { order_id: "7" } }, headers: { "cf-connecting-ip": randomClientIp() } });
const dashboardTest = (w: World) => call("POST", `/v1/agents/${w.agentId}/test-sessions`, { token: w.member.token, json: { variables } });
const outbound = (w: World, fromNumberId: string) => call("POST", `/v1/agents/${w.agentId}/calls`, { token: w.owner.token, json: { to: "+1 415-555-0100", fromNumberId, variables } });
const inbound = (pw: PhoneWorld) => postTwilio(pw, "voice", voiceParams(pw, newCallSid()));
/** Sessions of the space other than dashboard tests (a refused dispatch leaves none). */
const nonTestSessions = (spaceId: string) => withDb((db) => db.select({ id: sessions.id, status: sessions.status, channel: sessions.channel }).from(sessions).where(and(eq(sessions.spaceId, spaceId), ne(sessions.channel, "test"))));

async function channelsWorld(): Promise<{ pw: PhoneWorld; w: World; outboundNumberId: string }> {
  const pw = await phoneWorld();
  const w = pw.world;
  expect((await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token, json: {} })).status).toBe(200);
  const { phoneNumberId } = await phoneFixture(w.spaceId);
  return { pw, w, outboundNumberId: phoneNumberId };
}

describe("dispatch once a hard-stop plan's minutes are spent", () => {
  it("refuses the widget, the API, an outbound call (402 minutes_exhausted) and an inbound call (busy), and still runs a dashboard test", async () => {
    const { pw, w, outboundNumberId } = await channelsWorld();
    const plan = await onOwnPlan(w.spaceId, { name: "Starter", includedMinutes: 1, overagePricePerMinute: null });
    await spendSeconds(w.spaceId, plan.id, 60);
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));

    for (const res of [await widget(w), await api(w), await outbound(w, outboundNumberId)]) {
      expectProblem(res, 402, "minutes_exhausted");
      expect(res.body["detail"]).toContain("the Starter plan includes 1 voice minutes");
    }
    expect(twilio.requests).toHaveLength(0);
    const answered = await inbound(pw);
    expect(answered.status).toBe(200);
    expect(answered.text).toContain('<Reject reason="busy"/>');
    expect(await nonTestSessions(w.spaceId)).toEqual([]);

    expect((await dashboardTest(w)).status).toBe(201);
  });

  it("dispatches again once the space moves to a plan with minutes left", async () => {
    const { w } = await channelsWorld();
    const plan = await onOwnPlan(w.spaceId, { includedMinutes: 1, overagePricePerMinute: null });
    await spendSeconds(w.spaceId, plan.id, 120);
    expectProblem(await api(w), 402, "minutes_exhausted");
    await onOwnPlan(w.spaceId, { includedMinutes: 1, overagePricePerMinute: "0.05" });
    expect((await api(w)).status).toBe(201);
  });
});

describe("an inbound LiveKit SIP call refused by the plan", () => {
  it("is rejected busy, like the space's own call limit, and leaves no session", async () => {
    const sw = await sipWorld();
    const plan = await onOwnPlan(sw.world.spaceId, { includedMinutes: 0, overagePricePerMinute: null });
    await spendSeconds(sw.world.spaceId, plan.id, 1);
    const callId = `SCL_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
    const res = await runtimeCall("POST", "/sip/sessions", {
      json: {
        dispatch: { kind: "speaknode.sip", phoneNumberId: sw.numberId, connectionId: sw.connectionId },
        participant: { room: `call-${callId}`, participantIdentity: `sip_${callId}`, callId, callStatus: "active", phoneNumber: newE164(), trunkPhoneNumber: null },
      },
    });
    expect(res.body).toMatchObject({ action: "reject", busy: true });
    expect(String(res.body["reason"])).toContain("minutes_exhausted");
    expect(await nonTestSessions(sw.world.spaceId)).toEqual([]);
  });
});

describe("dispatch when the plan's concurrent sessions are full", () => {
  it("counts every channel together: refuses the widget and an outbound call with 429 retry-after 30, an inbound call busy, and still runs a dashboard test", async () => {
    const { pw, w, outboundNumberId } = await channelsWorld();
    await onOwnPlan(w.spaceId, { name: "Solo", limits: { concurrentCalls: 1 } });
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    expect((await api(w)).status).toBe(201);

    for (const res of [await widget(w), await outbound(w, outboundNumberId), await api(w)]) {
      expectProblem(res, 429, "concurrency_limit");
      expect(res.headers.get("retry-after")).toBe("30");
      expect(res.body["detail"]).toContain("the Solo plan allows 1 concurrent sessions");
    }
    expect(twilio.requests).toHaveLength(0);
    expect((await inbound(pw)).text).toContain('<Reject reason="busy"/>');
    expect((await dashboardTest(w)).status).toBe(201);
    expect((await nonTestSessions(w.spaceId)).map((s) => s.channel)).toEqual(["api"]);

    // An inbound call holds the slot as well: with it ended and a call answered, the API is refused.
    await withDb((db) => db.update(sessions).set({ status: "completed" }).where(and(eq(sessions.spaceId, w.spaceId), eq(sessions.channel, "api"))));
    expect((await inbound(pw)).text).toContain("<Stream");
    expectProblem(await api(w), 429, "concurrency_limit");
  });
});

describe("plan limits and features", () => {
  it("refuses creating or duplicating an agent past the plan's agents, and leaves the existing ones working", async () => {
    const { w } = await channelsWorld();
    // The phone world's space has two agents: the world's and the phone agent.
    await onOwnPlan(w.spaceId, { name: "Cap", limits: { agents: 2 } });
    const created = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ name: "Third" }) });
    expectProblem(created, 403, "plan_limit");
    expect(created.body["detail"]).toBe("the Cap plan allows 2 agents; this space has 2");
    expectProblem(await call("POST", `/v1/agents/${w.agentId}/duplicate`, { token: w.owner.token }), 403, "plan_limit");
    // Lowered below what the space has: nothing existing stops working.
    await onOwnPlan(w.spaceId, { limits: { agents: 1 } });
    expect((await api(w)).status).toBe(201);
    await onOwnPlan(w.spaceId, { limits: { agents: 3 } });
    expect((await call("POST", `/v1/agents/${w.agentId}/duplicate`, { token: w.owner.token })).status).toBe(201);
  });

  it("refuses telephony on a plan without it: connections, the LiveKit SIP trunk, number imports and calls", async () => {
    const { pw, w, outboundNumberId } = await channelsWorld();
    await onOwnPlan(w.spaceId, { name: "Web only", features: { telephony: false } });
    const refused = [
      await call("POST", `/v1/spaces/${w.spaceId}/telephony-connections`, { token: w.owner.token, json: { provider: "twilio", name: "More", accountSid: pw.accountSid, auth: { type: "auth_token", authToken: "x".repeat(32) } } }),
      await call("POST", `/v1/telephony-connections/${pw.connectionId}/livekit-sip-trunk`, { token: w.owner.token, json: { name: "Trunk" } }),
      await call("POST", `/v1/spaces/${w.spaceId}/phone-numbers/import`, { token: w.owner.token, json: { connectionId: pw.connectionId, providerNumberIds: ["PN0123456789abcdef0123456789abcdef"] } }),
      await outbound(w, outboundNumberId),
    ];
    for (const res of refused) {
      expectProblem(res, 403, "plan_limit");
      expect(res.body["detail"]).toContain("the Web only plan does not include telephony");
    }
  });

  it("refuses importing numbers past the plan's phone numbers, before the provider is asked", async () => {
    const { pw, w } = await channelsWorld();
    // The space has two numbers (the phone world's and the outbound fixture's).
    await onOwnPlan(w.spaceId, { name: "Two lines", limits: { phoneNumbers: 2 } });
    const fetched = vi.fn(() => Promise.reject(new Error("the provider must not be asked")));
    vi.stubGlobal("fetch", fetched);
    const res = await call("POST", `/v1/spaces/${w.spaceId}/phone-numbers/import`, { token: w.owner.token, json: { connectionId: pw.connectionId, providerNumberIds: ["PN0123456789abcdef0123456789abcdef"] } });
    expectProblem(res, 403, "plan_limit");
    expect(res.body["detail"]).toBe("the Two lines plan allows 2 phone numbers; this space has 2");
    expect(fetched).not.toHaveBeenCalled();
  });

  it("refuses campaigns on a plan without them (create and launch) and past the plan's campaigns", async () => {
    const w = await campaignWorld();
    await onOwnPlan(w.spaceId, { name: "One", limits: { campaigns: 1 } });
    const draft = await createDraft(w, { contactMapping: mapping });
    const second = await call("POST", `/v1/spaces/${w.spaceId}/campaigns`, { token: w.member.token, json: { name: "Second", agentId: w.agentId, callerNumberIds: [w.numberId] } });
    expectProblem(second, 403, "plan_limit");
    expect(second.body["detail"]).toBe("the One plan allows 1 campaigns; this space has 1");

    await onOwnPlan(w.spaceId, { name: "No campaigns", features: { campaigns: false } });
    const create = await call("POST", `/v1/spaces/${w.spaceId}/campaigns`, { token: w.member.token, json: { name: "Third", agentId: w.agentId, callerNumberIds: [w.numberId] } });
    expectProblem(create, 403, "plan_limit");
    expect(create.body["detail"]).toContain("the No campaigns plan does not include campaigns");
    const launch = await call("POST", `/v1/campaigns/${draft.id}/launch`, { token: w.member.token });
    expectProblem(launch, 403, "plan_limit");
    expect((await call("GET", `/v1/campaigns/${draft.id}`, { token: w.member.token })).body["status"]).toBe("draft");
  });

  it("refuses the space's own provider keys on a plan without byoProviderKeys", async () => {
    const { w } = await channelsWorld();
    await onOwnPlan(w.spaceId, { name: "Basic", features: { byoProviderKeys: false } });
    const res = await call("POST", `/v1/spaces/${w.spaceId}/provider-credentials`, { token: w.owner.token, json: { provider: "openai-compatible", name: "Ours", apiKey: "sk-test-provider-key-0123456789abcd" } });
    expectProblem(res, 403, "plan_limit");
    expect(res.body["detail"]).toContain("the Basic plan does not include the space's own provider keys");
  });
});
