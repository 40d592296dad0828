import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTwilioSimulator, type TwilioSimulator } from "./server.ts";
import { fakeSpeak, startFakeRuntime, startWebhookServer, testAccount, type FakeRuntime, type WebhookServer } from "./test-harness.ts";

const from = "+15550000001";
const callee = "+15557770000";

describe("outbound calls through the simulator", () => {
  let sim: TwilioSimulator;
  let hooks: WebhookServer;
  let runtime: FakeRuntime;

  beforeEach(async () => {
    runtime = await startFakeRuntime();
    hooks = await startWebhookServer(() => ({ body: "" }));
    sim = await startTwilioSimulator({ accounts: [{ ...testAccount, numbers: [{ sid: "PN00000000000000000000000000000001", phoneNumber: from }] }], speak: fakeSpeak });
  });
  afterEach(async () => {
    await sim.close();
    await hooks.close();
    await runtime.close();
  });

  async function createCall(extra: [string, string][] = [], twiml = `<Response><Connect><Stream url="${runtime.url}"><Parameter name="sessionId" value="ses_out"/></Stream></Connect></Response>`): Promise<string> {
    const form = new URLSearchParams([["To", callee], ["From", from], ["Twiml", twiml], ["StatusCallback", `${hooks.url}/status`], ["StatusCallbackMethod", "POST"], ...extra]);
    for (const e of ["initiated", "ringing", "answered", "completed"]) form.append("StatusCallbackEvent", e);
    const res = await fetch(`${sim.url}/2010-04-01/Accounts/${testAccount.accountSid}/Calls.json`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${testAccount.accountSid}:${testAccount.authToken}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { sid: string }).sid;
  }

  function updateCall(sid: string, form: [string, string][]): Promise<Response> {
    return fetch(`${sim.url}/2010-04-01/Accounts/${testAccount.accountSid}/Calls/${sid}.json`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${testAccount.accountSid}:${testAccount.authToken}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });
  }

  function statusCallbacks(sid: string) {
    return hooks.received.filter((h) => h.path === "/status" && h.params.CallSid === sid);
  }

  it("sends initiated, ringing, answered (in-progress) and completed callbacks in order, numbered and signed, and ends on a REST hang-up", async () => {
    const sid = await createCall();
    await runtime.next("start");
    const res = await updateCall(sid, [["Status", "completed"]]);
    expect(res.status).toBe(200);
    await runtime.next("stop");
    await sim.waitForCall(sid, (c) => c.status === "completed");
    await sim.statusCallbacksSent(sid);
    const sent = statusCallbacks(sid);
    expect(sent.map((h) => h.params.CallStatus)).toEqual(["initiated", "ringing", "in-progress", "completed"]);
    expect(sent.map((h) => h.params.SequenceNumber)).toEqual(["0", "1", "2", "3"]);
    for (const h of sent) {
      expect(hooks.signedWith(h, testAccount.authToken)).toBe(true);
      expect(h.params).toMatchObject({ Direction: "outbound-api", From: from, To: callee, CallbackSource: "call-progress-events", ApiVersion: "2010-04-01" });
    }
    expect(sent[3]?.params.CallDuration).toMatch(/^\d+$/);
    expect(sim.call(sid)?.endedBy).toBe("api");
  });

  it("sends only the events asked for, and always the final one", async () => {
    const form = new URLSearchParams([["To", callee], ["From", from], ["Twiml", "<Response><Hangup/></Response>"], ["StatusCallback", `${hooks.url}/status`], ["StatusCallbackEvent", "answered"]]);
    const res = await fetch(`${sim.url}/2010-04-01/Accounts/${testAccount.accountSid}/Calls.json`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${testAccount.accountSid}:${testAccount.authToken}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    const { sid } = (await res.json()) as { sid: string };
    await sim.waitForCall(sid, (c) => c.status === "completed");
    await sim.statusCallbacksSent(sid);
    expect(statusCallbacks(sid).map((h) => h.params.CallStatus)).toEqual(["in-progress", "completed"]);
  });

  it("ends busy when the phone is busy, without answering", async () => {
    sim.setPhone(callee, { answer: "busy", ringMs: 50 });
    const sid = await createCall();
    const report = await sim.waitForCall(sid, (c) => c.status === "busy");
    await sim.statusCallbacksSent(sid);
    expect(report.statusHistory.map((s) => s.status)).toEqual(["queued", "initiated", "ringing", "busy"]);
    expect(statusCallbacks(sid).at(-1)?.params).toMatchObject({ CallStatus: "busy", CallDuration: "0" });
    expect(runtime.messages).toHaveLength(0);
  });

  it("ends no-answer after ringing, and failed when the network refuses", async () => {
    sim.setPhone(callee, { answer: "no-answer", ringMs: 100 });
    const sid = await createCall();
    expect((await sim.waitForCall(sid, (c) => c.status === "no-answer")).statusHistory.map((s) => s.status)).toEqual(["queued", "initiated", "ringing", "no-answer"]);
    sim.setPhone(callee, { answer: "failed" });
    const failed = await createCall();
    expect((await sim.waitForCall(failed, (c) => c.status === "failed")).statusHistory.map((s) => s.status)).toEqual(["queued", "initiated", "failed"]);
  });

  it("answers as a machine: greeting and a 1 kHz beep on the stream, then AsyncAmd machine_end_beep, signed", async () => {
    sim.setPhone(callee, { answer: "machine", ringMs: 50 });
    const sid = await createCall([["MachineDetection", "DetectMessageEnd"], ["AsyncAmd", "true"], ["AsyncAmdStatusCallback", `${hooks.url}/amd`]]);
    const report = await sim.waitForCall(sid, (c) => c.events.some((e) => e.kind === "webhook" && e.purpose === "amd"), 20_000);
    expect(report.answeredBy).toBe("machine_end_beep");
    const amd = hooks.received.find((h) => h.path === "/amd");
    expect(amd?.params).toMatchObject({ CallSid: sid, AccountSid: testAccount.accountSid, AnsweredBy: "machine_end_beep" });
    expect(Number(amd?.params.MachineDetectionDuration)).toBeGreaterThan(0);
    expect(amd && hooks.signedWith(amd, testAccount.authToken)).toBe(true);
    const kinds = report.events.map((e) => e.kind);
    expect(kinds.indexOf("machine.beep")).toBeGreaterThan(-1);
    expect(kinds.indexOf("machine.beep")).toBeLessThan(kinds.indexOf("amd"));
    expect(runtime.messages.filter((m) => m.event === "media").length).toBeGreaterThan(50);
  });

  it("reports a human to AsyncAmd", async () => {
    const sid = await createCall([["MachineDetection", "Enable"], ["AsyncAmd", "true"], ["AsyncAmdStatusCallback", `${hooks.url}/amd`]]);
    const report = await sim.waitForCall(sid, (c) => c.events.some((e) => e.kind === "webhook" && e.purpose === "amd"));
    expect(report.answeredBy).toBe("human");
  });

  it("stops the stream and dials the number when the call is updated with <Dial>, then ends completed", async () => {
    const sid = await createCall();
    await runtime.next("start");
    const res = await updateCall(sid, [["Twiml", '<Response><Say>Transferring you</Say><Dial callerId="+15550000001"><Number>+15551112222</Number></Dial></Response>']]);
    expect(res.status).toBe(200);
    await runtime.next("stop");
    const report = await sim.waitForCall(sid, (c) => c.status === "completed", 15_000);
    expect(report.transferredTo).toEqual(["+15551112222"]);
    expect(report.saidByTwiml).toEqual(["Transferring you"]);
    expect(report.events.find((e) => e.kind === "transferred")).toMatchObject({ number: "+15551112222", callerId: "+15551112222".replace("1112222", "0000001") });
    expect(report.counters.transfers).toBe(1);
  });

  it("reports DialCallStatus busy to the Dial action when the dialed phone is busy", async () => {
    sim.setPhone("+15551112222", { answer: "busy" });
    const sid = await createCall([], `<Response><Dial action="${hooks.url}/dial-done"><Number>+15551112222</Number></Dial></Response>`);
    await sim.waitForCall(sid, (c) => c.status === "completed");
    expect(hooks.received.find((h) => h.path === "/dial-done")?.params).toMatchObject({ CallSid: sid, DialCallStatus: "busy" });
  });

  it("waits for synchronous AMD before fetching the call's Url, which then carries AnsweredBy", async () => {
    const form = new URLSearchParams([["To", callee], ["From", from], ["Url", `${hooks.url}/outbound-voice`], ["MachineDetection", "Enable"]]);
    const res = await fetch(`${sim.url}/2010-04-01/Accounts/${testAccount.accountSid}/Calls.json`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${testAccount.accountSid}:${testAccount.authToken}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    const { sid } = (await res.json()) as { sid: string };
    await sim.waitForCall(sid, (c) => ["completed", "failed"].includes(c.status));
    const voice = hooks.received.find((h) => h.path === "/outbound-voice");
    expect(voice?.params).toMatchObject({ CallSid: sid, CallStatus: "in-progress", Direction: "outbound-api", AnsweredBy: "human" });
    expect(voice && hooks.signedWith(voice, testAccount.authToken)).toBe(true);
  });

  it("runs TwiML given to a call that is still ringing once it is answered, and cancels a ringing call", async () => {
    sim.setPhone(callee, { answer: "human", ringMs: 600 });
    const sid = await createCall();
    await sim.waitForCall(sid, (c) => c.status === "ringing");
    expect((await updateCall(sid, [["Twiml", "<Response><Say>Changed plans</Say></Response>"]])).status).toBe(200);
    const report = await sim.waitForCall(sid, (c) => c.status === "completed", 10_000);
    expect(report.saidByTwiml).toEqual(["Changed plans"]);
    expect(report.counters.streams).toBe(0);
    const ringing = await createCall();
    await sim.waitForCall(ringing, (c) => c.status === "ringing");
    const res = await updateCall(ringing, [["Status", "canceled"]]);
    expect(((await res.json()) as { status: string }).status).toBe("canceled");
  });

  it("refuses to redirect a call that has ended (21220)", async () => {
    const sid = await createCall([], "<Response><Hangup/></Response>");
    await sim.waitForCall(sid, (c) => c.status === "completed");
    const res = await updateCall(sid, [["Twiml", "<Response><Hangup/></Response>"]]);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 21220 });
  });
});
