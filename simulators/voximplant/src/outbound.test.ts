import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeSpeak } from "../../twilio/src/test-harness.ts";
import { startVoximplantSimulator, type VoximplantSimulator } from "./server.ts";
import { api, startFakeEdge, testAccount, type FakeEdge } from "./test-harness.ts";

// An outbound scenario of our own: dial from the custom data, report the outcome to the edge,
// and take control commands on the session's access URL.
const scenario = (edge: string) => `
const EDGE = ${JSON.stringify(edge)};
let call = null;
function report(body) { return Net.httpRequestAsync(EDGE + "/events", { method: "POST", headers: ["Content-Type: application/json"], postData: JSON.stringify(body) }); }
VoxEngine.addEventListener(AppEvents.Started, function (e) {
  report({ event: "started", hasAccessUrl: e.accessSecureURL.length > 0, sessionId: e.sessionId });
  const data = JSON.parse(VoxEngine.customData());
  call = VoxEngine.callPSTN(data.to, data.from);
  call.addEventListener(CallEvents.Connected, function () { report({ event: "connected", id: call.id() }); });
  call.addEventListener(CallEvents.Failed, function (f) { report({ event: "failed", sipCode: f.code, reason: f.reason }).then(function () { VoxEngine.terminate(); }); });
  call.addEventListener(CallEvents.Disconnected, function () { report({ event: "disconnected" }).then(function () { VoxEngine.terminate(); }); });
});
VoxEngine.addEventListener(AppEvents.HttpRequest, function (e) {
  const command = JSON.parse(e.content);
  if (command.command === "hangup" && call) call.hangup();
  return JSON.stringify({ ok: true, method: e.method });
});`;

let sim: VoximplantSimulator;
let edge: FakeEdge;
beforeAll(async () => {
  sim = await startVoximplantSimulator({ accounts: [testAccount], speak: fakeSpeak });
  edge = await startFakeEdge(() => ({ status: 204, body: "" }));
  sim.setScenario(7000001, scenario(edge.url));
});
afterAll(async () => {
  await sim.close();
  await edge.close();
});

async function dial(to: string, behaviour: Record<string, unknown>): Promise<{ sessionId: number; accessUrl: string }> {
  const put = await fetch(`${sim.url}/sim/phones/${encodeURIComponent(to)}`, { method: "PUT", body: JSON.stringify(behaviour) });
  expect(put.status).toBe(200);
  const out = await api(sim.url, "StartScenarios", { rule_id: "8000001", script_custom_data: JSON.stringify({ to, from: "+15555550200" }) });
  return { sessionId: out.call_session_history_id as number, accessUrl: out.media_session_access_secure_url as string };
}

describe("outbound calls through StartScenarios and callPSTN", () => {
  it("a busy phone fails the call with SIP 486", async () => {
    const { sessionId } = await dial("+15551110001", { answer: "busy", ringMs: 100 });
    const session = () => sim.session(sessionId);
    await edge.waitFor(() => session()?.status === "terminated");
    const callId = session()?.calls[0] ?? "";
    const call = sim.call(callId);
    expect(call).toMatchObject({ direction: "outbound", from: "+15555550200", to: "+15551110001", status: "failed", sipCode: 486, endedBy: "busy" });
    expect(call?.events.filter((e) => e.kind === "http.request").map((e) => (e.body as { event: string }).event)).toEqual(["started", "failed"]);
    expect(call?.events.find((e) => (e.body as { event?: string } | undefined)?.event === "failed")?.body).toMatchObject({ sipCode: 486, reason: "Busy Here" });
    // AppEvents.Started carried the access URL and the session id StartScenarios answered.
    expect(edge.requests.find((r) => (r.body as { sessionId?: number }).sessionId === sessionId)?.body).toMatchObject({ event: "started", hasAccessUrl: true });
  });

  it("a phone nobody answers fails with SIP 480 after the ring timeout", async () => {
    const started = Date.now();
    const { sessionId } = await dial("+15551110002", { answer: "no-answer", ringTimeoutMs: 400 });
    await edge.waitFor(() => sim.session(sessionId)?.status === "terminated");
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    const call = sim.call(sim.session(sessionId)?.calls[0] ?? "");
    expect(call).toMatchObject({ status: "failed", sipCode: 480, endedBy: "no-answer" });
    expect(call?.statusHistory.map((s) => s.status)).toEqual(["progressing", "failed"]);
  });

  it("a human answers; a control request on the access URL reaches AppEvents.HttpRequest and hangs up", async () => {
    const { sessionId, accessUrl } = await dial("+15551110003", { answer: "human", ringMs: 100 });
    const callId = await edge.waitFor(() => sim.session(sessionId)?.calls[0]);
    await sim.waitForCall(callId, (c) => c.status === "connected");
    const res = await fetch(accessUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ command: "hangup" }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, method: "POST" });
    const ended = await sim.waitForCall(callId, (c) => c.status === "disconnected");
    expect(ended.endedBy).toBe("scenario-hangup");
    expect(ended.statusHistory.map((s) => s.status)).toEqual(["progressing", "connected", "disconnected"]);
    expect(ended.events.map((e) => e.kind)).toEqual(expect.arrayContaining(["call.ringing", "access.request", "call.hangup", "call.ended"]));
    await edge.waitFor(() => sim.session(sessionId)?.status === "terminated");
    // A terminated session's access URL answers 404, as an unknown one does.
    expect((await fetch(accessUrl, { method: "POST", body: "{}" })).status).toBe(404);
    expect((await fetch(`${sim.url}/vox/sessions/1/${"0".repeat(32)}`, { method: "POST", body: "{}" })).status).toBe(404);
  });

  it("refuses a phone behaviour it does not know", async () => {
    const res = await fetch(`${sim.url}/sim/phones/%2B15551110009`, { method: "PUT", body: JSON.stringify({ answer: "machine" }) });
    expect(res.status).toBe(400);
  });
});
