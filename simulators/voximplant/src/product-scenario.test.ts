// The platform's generated VoxEngine scenario, run as-is in the simulator against a fake edge and a
// fake bridge. This test alone imports product code (the generator); the simulator itself does not.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { voximplantScenario } from "../../../workers/src/telephony/voximplant/scenario.ts";
import { fakeSpeak } from "../../twilio/src/test-harness.ts";
import { startVoximplantSimulator, type VoximplantSimulator } from "./server.ts";
import { api, startFakeEdge, testAccount, type FakeEdge } from "./test-harness.ts";

const connectionId = "tcn_000000000000000000000000d2";
const secret = "scenario-secret-0123456789abcdef";
let sim: VoximplantSimulator;
let edge: FakeEdge;
let answers: { inbound: unknown; outbound: unknown };

beforeAll(async () => {
  sim = await startVoximplantSimulator({ accounts: [testAccount], speak: fakeSpeak });
});
afterAll(() => sim.close());
afterEach(() => edge.close());

async function setUp(): Promise<void> {
  edge = await startFakeEdge((path, body) => {
    if (path === `/telephony/voximplant/${connectionId}/calls`) return { body: (body as { kind?: string }).kind === "outbound" ? answers.outbound : answers.inbound };
    if (path === `/telephony/voximplant/${connectionId}/events`) return { status: 204, body: "" };
    return { status: 404, body: {} };
  });
  sim.setScenario(7000001, voximplantScenario({ platformOrigin: edge.url, connectionId, scenarioSecret: secret, bridgeUrl: edge.wsUrl, encoding: "pcm8" }));
}

const eventsSent = () => edge.requests.filter((r) => r.path.endsWith("/events")).map((r) => r.body as Record<string, unknown>);

describe("the platform's VoxEngine scenario in the simulator", () => {
  it("connects an inbound call to the bridge, relays DTMF and clears, and reports connected and disconnected", async () => {
    await setUp();
    answers = { inbound: { action: "connect", sessionId: "sess_1", bridgeUrl: `${edge.wsUrl}?token=single-use`, encoding: "ulaw" }, outbound: null };
    const placed = (await (await fetch(`${sim.url}/sim/calls`, { method: "POST", body: JSON.stringify({ from: "+15551230001", to: "+15555550200", script: [{ say: "hello" }, { dtmf: "7" }] }) })).json()) as { callId: string };
    const start = await edge.waitFor(() => edge.frames.find((f) => f.msg.event === "start"));
    expect(start.msg).toMatchObject({ start: { mediaFormat: { encoding: "ULAW", sampleRate: 8000 }, customParameters: { sessionId: "sess_1" } }, tag: "speaknode" });
    const callsRequest = edge.requests.find((r) => r.path.endsWith("/calls"));
    expect(callsRequest?.authorization).toBe(`Bearer ${secret}`);
    expect(callsRequest?.body).toMatchObject({ v: 1, callId: placed.callId, from: "15551230001", to: "15555550200", accessUrl: expect.stringContaining("/vox/sessions/") });
    await edge.waitFor(() => edge.frames.some((f) => f.msg.speaknode === "dtmf" && f.msg.digit === "7"));
    // The caller's words reached the bridge (the scenario points the call at its socket before it opens).
    expect(edge.frames.some((f) => f.msg.event === "media" && Buffer.from((f.msg.media as { payload: string }).payload, "base64").some((b) => b !== 0xff))).toBe(true);
    await edge.waitFor(() => eventsSent().some((e) => e.event === "connected"));

    edge.socket().send(JSON.stringify({ speaknode: "clear" }));
    edge.socket().send(JSON.stringify({ speaknode: "dtmf", digits: "42" }));
    await sim.waitForCall(placed.callId, (c) => c.counters.clears === 1 && c.agentDtmf === "42");
    edge.socket().send(JSON.stringify({ speaknode: "hangup", reason: "done" }));
    const ended = await sim.waitForCall(placed.callId, (c) => c.status === "disconnected");
    expect(ended.endedBy).toBe("scenario-hangup");
    await edge.waitFor(() => eventsSent().some((e) => e.event === "disconnected"));
    expect(eventsSent().map((e) => [e.event, e.seq])).toEqual([["connected", 1], ["disconnected", 2]]);
    expect(JSON.stringify(ended.events)).not.toContain(secret);
    expect(JSON.stringify(ended.events)).not.toContain("single-use");
  });

  it("rejects an inbound call with the SIP code the edge names", async () => {
    await setUp();
    answers = { inbound: { action: "reject", sipCode: 404, reason: "no agent" }, outbound: null };
    const placed = (await (await fetch(`${sim.url}/sim/calls`, { method: "POST", body: JSON.stringify({ from: "+15551230001", to: "+15555550200" }) })).json()) as { callId: string };
    const ended = await sim.waitForCall(placed.callId, (c) => c.status === "failed");
    expect(ended).toMatchObject({ sipCode: 404, endedBy: "scenario-reject" });
  });

  it("dials an outbound call from StartScenarios, bridges it when a human answers, and hangs up on the platform's command", async () => {
    await setUp();
    answers = { inbound: null, outbound: { action: "dial", to: "+15551110003", from: "+15555550200", bridgeUrl: `${edge.wsUrl}?token=t`, encoding: "pcm8", ringS: 5, maxS: 60 } };
    await fetch(`${sim.url}/sim/phones/%2B15551110003`, { method: "PUT", body: JSON.stringify({ answer: "human", ringMs: 100 }) });
    const out = await api(sim.url, "StartScenarios", { rule_id: "8000001", script_custom_data: JSON.stringify({ v: 1, kind: "outbound", sessionId: "sess_2", token: "tok" }) });
    const start = await edge.waitFor(() => edge.frames.find((f) => f.msg.event === "start"));
    expect(start.msg).toMatchObject({ start: { mediaFormat: { encoding: "PCM8", sampleRate: 8000 } } });
    const res = await fetch(out.media_session_access_secure_url as string, { method: "POST", body: JSON.stringify({ command: "hangup" }) });
    expect(await res.json()).toEqual({ ok: true });
    await edge.waitFor(() => sim.session(out.call_session_history_id as number)?.status === "terminated");
    expect(eventsSent().map((e) => e.event)).toEqual(["ringing", "connected", "disconnected"]);
    const call = sim.call(sim.session(out.call_session_history_id as number)?.calls[0] ?? "");
    expect(call).toMatchObject({ direction: "outbound", to: "+15551110003", status: "disconnected" });
  });

  it("reports a busy callee as failed with SIP 486", async () => {
    await setUp();
    answers = { inbound: null, outbound: { action: "dial", to: "+15551110004", from: "+15555550200", bridgeUrl: `${edge.wsUrl}?token=t`, encoding: "pcm8", ringS: 5, maxS: 60 } };
    await fetch(`${sim.url}/sim/phones/%2B15551110004`, { method: "PUT", body: JSON.stringify({ answer: "busy", ringMs: 100 }) });
    await api(sim.url, "StartScenarios", { rule_id: "8000001", script_custom_data: JSON.stringify({ v: 1, kind: "outbound", sessionId: "sess_3", token: "tok" }) });
    await edge.waitFor(() => eventsSent().some((e) => e.event === "failed"));
    expect(eventsSent().find((e) => e.event === "failed")).toMatchObject({ sipCode: 486, sessionId: "sess_3" });
  });
});
