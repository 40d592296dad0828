// The VoxImplant path end to end against a whole local stack (embedded Postgres, the Worker in
// wrangler dev, the voice runtime with offline speech), the media bridge as its own process and the
// VoxImplant simulator in this process running the platform's generated VoxEngine scenario: a caller
// rings the demo VoxImplant number (scenario → POST /telephony/voximplant/{id}/calls → session →
// WebSocket media to the bridge → the runtime's local transport → events back to the edge), the
// agent calls simulated phones through the API (StartScenarios → the scenario dials), and a forged
// scenario request. Callers speak with flite (PCM 8 kHz, real time); what the agent said on the line
// is checked with pocketsphinx, as a listener would hear it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { SessionDetail as SessionDetailSchema } from "@speaknode/contracts";
import { demoAgentId, demoVoximplantConnectionId, demoVoximplantNumber, demoVoximplantNumberId } from "@speaknode/db";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import type { VoximplantSimulator } from "../simulators/voximplant/src/server.ts";
import type { CallReport } from "../simulators/voximplant/src/model.ts";
import type { ScriptStep } from "../simulators/twilio/src/model.ts";
import { heardInWav } from "./line-asr.ts";

type SessionDetail = z.output<typeof SessionDetailSchema>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-voximplant-"));
const caller = "+15555550123";
let stack: LocalStack;
let sim: VoximplantSimulator;
let ownerToken: string;

beforeAll(async () => {
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort(), voximplant: { simulatorPort: 0, bridgePort: 0 } });
  if (!stack.voximplant || !stack.bridge) throw new Error("the stack started without its VoxImplant simulator and bridge");
  sim = stack.voximplant;
  ownerToken = await token(stack.url);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ownerToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function detail(sessionId: string): Promise<SessionDetail> {
  const res = await api("GET", `/v1/sessions/${sessionId}`);
  if (!res.ok) throw new Error(`GET /v1/sessions/${sessionId}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SessionDetail;
}

/** The session once it has ended and the call's last event from the scenario is in its history. */
async function endedSession(sessionId: string, finalStatus: string, timeoutMs = 30_000): Promise<SessionDetail> {
  const deadline = Date.now() + timeoutMs;
  let last = await detail(sessionId);
  while (Date.now() < deadline) {
    const ended = last.status === "completed" || last.status === "failed";
    if (ended && last.callStatuses.some((s) => s.status === finalStatus)) return last;
    await sleep(300);
    last = await detail(sessionId);
  }
  throw new Error(`session ${sessionId} did not end with ${finalStatus} in ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/** The session the edge gave the scenario (its /calls answer, recorded by the simulator). */
function sessionIdOf(call: CallReport): string {
  for (const e of call.events) {
    const id = /"sessionId\\?":\\?"(ses_[0-9a-z]+)/.exec(JSON.stringify(e))?.[1];
    if (id) return id;
  }
  throw new Error(`call ${call.id} was not connected to a session: ${JSON.stringify(call.events)}`);
}

const ended = (c: CallReport) => c.status === "disconnected" || c.status === "failed";

function heardOnLine(call: CallReport, word: string): boolean {
  const wav = sim.agentWav(call.id);
  if (!wav) throw new Error(`no agent audio for ${call.id}`);
  return heardInWav({ wav, word, scratch });
}

function politeCaller(...steps: ScriptStep[]): ScriptStep[] {
  return [{ waitForAgent: { quietMs: 1500, timeoutMs: 30_000 } }, ...steps, { waitForAgent: { quietMs: 1500, timeoutMs: 30_000 } }, { hangup: true }];
}

async function placeOutbound(to: string): Promise<{ sessionId: string; providerCallId: string }> {
  const res = await api("POST", `/v1/agents/${demoAgentId}/calls`, { to, fromNumberId: demoVoximplantNumberId, variables: { customer_name: "Ada" } });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { sessionId: string; providerCallId: string };
}

/** The simulator's call the scenario session of an outbound call dialled. */
async function dialled(to: string, scenarioSession: number): Promise<CallReport> {
  for (let i = 0; i < 100; i++) {
    const call = sim.calls().find((c) => c.to === to && c.sessionId === scenarioSession);
    if (call) return call;
    await sleep(100);
  }
  throw new Error(`the scenario session ${scenarioSession} never dialled ${to}`);
}

describe("a call to the demo VoxImplant number", () => {
  it("reaches the agent through the scenario and the bridge: the question is recognised, the order checked, the answer heard on the line, and the session completes with the call's facts", async () => {
    const { callId } = sim.placeCall({
      from: caller,
      to: demoVoximplantNumber,
      script: politeCaller({ say: "please check my order number forty two" }, { waitForAgent: { quietMs: 2500, timeoutMs: 40_000 } }, { say: "goodbye" }),
    });
    const call = await sim.waitForCall(callId, ended, 120_000);
    const sessionId = sessionIdOf(call);
    const session = await endedSession(sessionId, "completed");

    expect(call.counters.mediaSent).toBeGreaterThan(100);
    expect(call.counters.mediaReceived, JSON.stringify(call.counters)).toBeGreaterThan(100);
    expect(session.status, JSON.stringify(session)).toBe("completed");
    expect(session.channel).toBe("phone");
    expect(session.phone).toMatchObject({ direction: "inbound", from: caller, to: demoVoximplantNumber, phoneNumberId: demoVoximplantNumberId, provider: "voximplant" });
    expect(session.toolCalls.find((t) => t.name === "check_order")?.request, JSON.stringify(session.turns)).toMatchObject({ orderId: "42" });
    expect(session.turns.find((t) => t.role === "user")?.text).toMatch(/order|forty|42/i);
    // What the caller heard through VoxImplant's media format and the bridge.
    expect(heardOnLine(call, "delivery")).toBe(true);
    // The scenario's requests reached the edge with its secret and were logged without it.
    const requests = call.events.filter((e) => e.kind === "http");
    expect(JSON.stringify(requests)).not.toContain("Bearer ey");
  });

  it("refuses a scenario request signed with another secret, and creates nothing", async () => {
    const listed = async () => {
      const res = await api("GET", `/v1/spaces/${stack.demoSpaceId}/sessions?limit=200`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: { id: string }[] }).data.map((s) => s.id);
    };
    const before = await listed();
    const res = await fetch(`${stack.url}/telephony/voximplant/${demoVoximplantConnectionId}/calls`, {
      method: "POST",
      headers: { authorization: "Bearer not-the-scenario-secret-not-the-scenario-secret", "content-type": "application/json" },
      body: JSON.stringify({ v: 1, callId: "forged-1", sessionHistoryId: 1, accessUrl: "http://127.0.0.1:1/x", from: caller, to: demoVoximplantNumber }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await listed()).toEqual(before);
  });

  it("hears keys the caller presses: the scenario's tones reach the agent through the bridge as a dtmf event with the digits, and the agent says which keys", async () => {
    const { callId } = sim.placeCall({ from: caller, to: demoVoximplantNumber, script: politeCaller({ dtmf: "42#" }, { waitForAgent: { quietMs: 1500, timeoutMs: 30_000 } }, { say: "goodbye" }) });
    const call = await sim.waitForCall(callId, ended, 120_000);
    const session = await endedSession(sessionIdOf(call), "completed");

    expect(call.counters.dtmfReceived).toBe(3);
    expect(session.status, JSON.stringify(session)).toBe("completed");
    const keys = session.phoneEvents.filter((e) => e.type === "dtmf");
    expect(keys.length, JSON.stringify(session.phoneEvents)).toBeGreaterThan(0);
    expect(keys.map((e) => e.detail)).toContainEqual({ digits: expect.stringContaining("4"), direction: "received" });
    expect(keys.flatMap((e) => ("digits" in e.detail ? [e.detail.digits] : [])).join("")).toBe("42#");
    expect(session.turns.filter((t) => t.role === "agent").map((t) => t.text)).toContainEqual(expect.stringMatching(/You pressed 4, 2, pound/));
  });
});

describe("a call the agent places over VoxImplant", () => {
  it("reaches a person: StartScenarios runs the scenario, which dials, bridges the answered call and reports it; the session completes", async () => {
    const to = "+15555550188";
    sim.setPhone(to, { answer: "human", script: politeCaller({ say: "please check my order number forty two" }, { waitForAgent: { quietMs: 2500, timeoutMs: 30_000 } }, { say: "goodbye" }) });
    const placed = await placeOutbound(to);
    expect(placed.providerCallId).toMatch(/^\d+$/);
    const call = await sim.waitForCall((await dialled(to, Number(placed.providerCallId))).id, ended, 120_000);
    const session = await endedSession(placed.sessionId, "completed");

    expect(call).toMatchObject({ direction: "outbound", to });
    expect(session.status, JSON.stringify(session)).toBe("completed");
    expect(session.phone).toMatchObject({ direction: "outbound", from: demoVoximplantNumber, to, provider: "voximplant", providerCallId: placed.providerCallId });
    expect(session.turns[0]?.text).toContain("Ada");
    expect(session.toolCalls.find((t) => t.name === "check_order")?.request).toMatchObject({ orderId: "42" });
  });

  it("ends the session as busy when the phone is busy (SIP 486), as a Twilio busy would", async () => {
    const to = "+15555550187";
    sim.setPhone(to, { answer: "busy" });
    const placed = await placeOutbound(to);
    const session = await endedSession(placed.sessionId, "busy", 60_000);
    expect(session.status, JSON.stringify(session)).toBe("failed");
    expect(session.phone?.hangupCause ?? session.endReason ?? "").toMatch(/busy/);
  });
});
