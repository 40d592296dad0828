import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mulawEncode, tone } from "./audio.ts";
import type { CallReport } from "./model.ts";
import { startTwilioSimulator, type TwilioSimulator } from "./server.ts";
import { fakeSpeak, startFakeRuntime, startWebhookServer, testAccount, type FakeRuntime, type WebhookServer } from "./test-harness.ts";

const number = { sid: "PN00000000000000000000000000000001", phoneNumber: "+15550000001" };

describe("the simulator's control API", () => {
  let sim: TwilioSimulator;
  let hooks: WebhookServer;
  let runtime: FakeRuntime;

  beforeEach(async () => {
    runtime = await startFakeRuntime();
    hooks = await startWebhookServer(() => ({ body: `<Response><Connect><Stream url="${runtime.url}"/></Connect></Response>` }));
    sim = await startTwilioSimulator({ accounts: [{ ...testAccount, numbers: [{ ...number, voiceUrl: `${hooks.url}/voice` }] }], speak: fakeSpeak });
  });
  afterEach(async () => {
    await sim.close();
    await hooks.close();
    await runtime.close();
  });

  const control = (path: string, method = "GET", body?: unknown) =>
    fetch(`${sim.url}/sim${path}`, { method, ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}) });

  it("places an inbound call whose caller waits for the agent to finish before speaking, and reports timings", async () => {
    const res = await control("/calls", "POST", { from: "+15557654321", to: number.phoneNumber, script: [{ waitForAgent: { quietMs: 300, timeoutMs: 10_000 } }, { say: "I would like to book a table" }] });
    expect(res.status).toBe(201);
    const { callSid } = (await res.json()) as { callSid: string };
    const start = await runtime.next("start");
    runtime.socket().send(JSON.stringify({ event: "media", streamSid: start.streamSid, media: { payload: Buffer.from(mulawEncode(tone(500, 800, 0.4))).toString("base64") } }));
    await sim.waitForCall(callSid, (c) => c.callerSpeech.length === 1, 15_000);
    const report = (await (await control(`/calls/${callSid}`)).json()) as CallReport;
    const [agent] = report.agentAudio;
    const [speech] = report.callerSpeech;
    expect(agent).toBeDefined();
    expect(speech).toBeDefined();
    // The caller spoke only after the agent's audio ended and the line was quiet for 300 ms.
    expect((speech?.[0] ?? 0) - (agent?.[1] ?? 0)).toBeGreaterThanOrEqual(300);
    expect(report.firstAgentAudioMs).toBe(agent?.[0]);
    expect(report.counters.mediaSent).toBeGreaterThan(0);
    const wav = await control(`/calls/${callSid}/agent.wav`);
    expect(wav.headers.get("content-type")).toBe("audio/wav");
    const hangup = await control(`/calls/${callSid}/hangup`, "POST");
    expect(((await hangup.json()) as CallReport).status).toBe("completed");
    const list = (await (await control("/calls")).json()) as { calls: CallReport[] };
    expect(list.calls.map((c) => c.sid)).toEqual([callSid]);
  });

  it("answers 404 for a number it does not hold and 400 for a bad script or phone", async () => {
    expect((await control("/calls", "POST", { from: "+15557654321", to: "+15559999999" })).status).toBe(404);
    expect((await control("/calls", "POST", { from: "+15557654321", to: number.phoneNumber, script: [{ sing: "la" }] })).status).toBe(400);
    expect((await control("/phones/+15557770000", "PUT", { answer: "maybe" })).status).toBe(400);
    expect((await control("/calls/CA00000000000000000000000000000000")).status).toBe(404);
  });

  it("stores what a phone does when called", async () => {
    const res = await control("/phones/+15557770000", "PUT", { answer: "machine", machineGreetingMs: 4000 });
    expect(res.status).toBe(200);
    expect(sim.phone("+15557770000")).toEqual({ answer: "machine", script: [], machineGreetingMs: 4000 });
    expect(await (await control("/phones/+15557770000")).json()).toMatchObject({ answer: "machine" });
  });

  it("speaks a script with flite when no speak function is given, as audible μ-law on the stream", async () => {
    const plain = await startTwilioSimulator({ accounts: [{ ...testAccount, numbers: [{ ...number, voiceUrl: `${hooks.url}/voice` }] }] });
    try {
      const { callSid } = plain.placeCall({ from: "+15557654321", to: number.phoneNumber, script: [{ say: "Hello, I am calling about my order" }, { hangup: true }] });
      const report = await plain.waitForCall(callSid, (c) => c.status === "completed", 15_000);
      const [speech] = report.callerSpeech;
      expect(speech && speech[1] - speech[0]).toBeGreaterThan(1000);
      const loud = runtime.messages.filter((m) => m.event === "media" && Buffer.from((m.media as { payload: string }).payload, "base64").some((b) => b < 0x70));
      expect(loud.length).toBeGreaterThan(25);
    } finally {
      await plain.close();
    }
  });
});
