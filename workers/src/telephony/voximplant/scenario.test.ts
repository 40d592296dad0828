// The generated scenario run as VoxImplant would run it, against a tiny fake of the VoxEngine
// subset it may use (workerd has no node:vm, so the script is compiled with `new Function` and
// sees only the fake's globals as its free names). The full simulator (simulators/voximplant)
// runs the same script end to end.
import { describe, expect, it } from "vitest";
import { voximplantScenario } from "./scenario.ts";

type Fn = (e: Record<string, unknown>) => unknown;
const flush = () => new Promise((r) => setTimeout(r, 0));

class Emitter {
  listeners = new Map<string, Fn[]>();
  addEventListener(name: string, fn: Fn) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
  }
  emit(name: string, e: Record<string, unknown> = {}): unknown[] {
    return (this.listeners.get(name) ?? []).map((fn) => fn({ name, ...e }));
  }
}

class FakeCall extends Emitter {
  log: unknown[][] = [];
  readonly callId: string;
  constructor(callId: string) {
    super();
    this.callId = callId;
  }
  id = () => this.callId;
  answer = () => void this.log.push(["answer"]);
  hangup = () => void this.log.push(["hangup"]);
  reject = (code?: number) => void this.log.push(["reject", code]);
  sendDigits = (d: string) => void this.log.push(["sendDigits", d]);
  handleTones = (on: boolean) => void this.log.push(["handleTones", on]);
  sendMediaTo = (ws: FakeSocket, p: unknown) => void this.log.push(["sendMediaTo", ws.url, p]);
}

class FakeSocket extends Emitter {
  log: unknown[][] = [];
  readonly url: string;
  constructor(url: string) {
    super();
    this.url = url;
  }
  sendMediaTo = (call: FakeCall) => void this.log.push(["sendMediaTo", call.callId]);
  send = (text: string) => void this.log.push(["send", JSON.parse(text)]);
  close = () => void this.log.push(["close"]);
  clearMediaBuffer = () => void this.log.push(["clear"]);
}

interface Req {
  url: string;
  headers: string[];
  body: Record<string, unknown>;
}

function runScenario(answer: (req: Req) => { code: number; text: string }, customData = "") {
  const app = new Emitter();
  const requests: Req[] = [];
  const logs: string[] = [];
  const sockets: FakeSocket[] = [];
  const pstn: { call: FakeCall; to: string; from: string }[] = [];
  const bridged: string[][] = [];
  let terminated = 0;
  const globals = {
    AppEvents: { Started: "Started", CallAlerting: "CallAlerting", HttpRequest: "HttpRequest", Terminating: "Terminating" },
    CallEvents: { Connected: "Connected", Disconnected: "Disconnected", Failed: "Failed", ToneReceived: "ToneReceived" },
    WebSocketEvents: { OPEN: "OPEN", CLOSE: "CLOSE", ERROR: "ERROR", MESSAGE: "MESSAGE" },
    WebSocketAudioEncoding: { PCM8: "PCM8", ULAW: "ULAW" },
    Logger: { write: (t: string) => void logs.push(t) },
    Net: {
      httpRequestAsync: async (url: string, o: { method: string; headers: string[]; postData: string }) => {
        const req = { url, headers: o.headers, body: JSON.parse(o.postData) as Record<string, unknown> };
        requests.push(req);
        return answer(req);
      },
    },
    VoxEngine: {
      addEventListener: (n: string, fn: Fn) => app.addEventListener(n, fn),
      customData: () => customData,
      callPSTN: (to: string, from: string) => {
        const call = new FakeCall(`out-${pstn.length + 1}`);
        pstn.push({ call, to, from });
        return call;
      },
      createWebSocket: (url: string) => {
        const ws = new FakeSocket(url);
        sockets.push(ws);
        return ws;
      },
      sendMediaBetween: (a: FakeCall, b: FakeCall) => void bridged.push([a.callId, b.callId]),
      terminate: () => void terminated++,
    },
    setTimeout,
    clearTimeout,
  };
  const script = voximplantScenario({ platformOrigin: "https://edge.example/", connectionId: "tcn_test", scenarioSecret: "s3cr3t-0123456789-0123456789-abcdef", bridgeUrl: "wss://bridge.example/v1/voximplant/media", encoding: "pcm8" });
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the scenario is a script, run as VoxImplant runs it
  new Function(...Object.keys(globals), `"use strict";\n${script}`)(...Object.values(globals));
  return { app, requests, logs, sockets, pstn, bridged, terminated: () => terminated, script };
}

const ok = (body: unknown) => ({ code: 200, text: JSON.stringify(body) });
const connect = ok({ action: "connect", sessionId: "ses_1", bridgeUrl: "wss://bridge.example/v1/voximplant/media?token=t1", encoding: "ulaw" });

describe("the generated VoxEngine scenario", () => {
  it("asks the platform about an inbound call with its bearer secret, answers it and bridges audio, DTMF and barge-in both ways", async () => {
    const s = runScenario((req) => (req.url.endsWith("/calls") ? connect : { code: 204, text: "" }));
    s.app.emit("Started", { accessURL: "http://media/1", accessSecureURL: "https://media/1", sessionId: 9001 });
    const call = new FakeCall("call-1");
    s.app.emit("CallAlerting", { call, callerid: "15555550100", destination: "15555550200", displayName: "x" });
    await flush();
    expect(s.requests[0]).toEqual({
      url: "https://edge.example/telephony/voximplant/tcn_test/calls",
      headers: ["Authorization: Bearer s3cr3t-0123456789-0123456789-abcdef", "Content-Type: application/json"],
      body: { v: 1, callId: "call-1", sessionHistoryId: "9001", accessUrl: "https://media/1", from: "15555550100", to: "15555550200" },
    });
    expect(call.log).toEqual([["answer"]]);
    call.emit("Connected");
    await flush();
    const [ws] = s.sockets;
    expect(ws?.url).toBe("wss://bridge.example/v1/voximplant/media?token=t1");
    expect(call.log).toContainEqual(["sendMediaTo", ws?.url, { encoding: "ULAW", tag: "speaknode", customParameters: { sessionId: "ses_1" } }]);
    expect(call.log).toContainEqual(["handleTones", true]);
    expect(ws?.log).toContainEqual(["sendMediaTo", "call-1"]);
    expect(s.requests[1]?.body).toMatchObject({ v: 1, seq: 1, callId: "call-1", sessionHistoryId: "9001", sessionId: "ses_1", event: "connected" });

    ws?.emit("MESSAGE", { text: '{"speaknode":"clear"}' });
    ws?.emit("MESSAGE", { text: '{"speaknode":"dtmf","digits":"12#"}' });
    ws?.emit("MESSAGE", { text: "not json" });
    ws?.emit("MESSAGE", { text: '{"event":"media"}' });
    call.emit("ToneReceived", { tone: "5" });
    expect(ws?.log).toContainEqual(["clear"]);
    expect(call.log).toContainEqual(["sendDigits", "12#"]);
    expect(ws?.log).toContainEqual(["send", { speaknode: "dtmf", digit: "5" }]);

    call.emit("Disconnected");
    await flush();
    expect(ws?.log).toContainEqual(["send", { speaknode: "hangup" }]);
    expect(ws?.log).toContainEqual(["close"]);
    expect(s.requests[2]?.body).toMatchObject({ seq: 2, event: "disconnected", reason: "caller hung up" });
    expect(s.terminated()).toBe(1);
    // Ending twice (the socket closing after the caller left) reports nothing more.
    ws?.emit("CLOSE");
    await flush();
    expect(s.requests).toHaveLength(3);
    for (const line of s.logs) expect(line).not.toMatch(/5555|s3cr3t|token/);
  });

  it("rejects an inbound call with the SIP code the platform names, and with 503 when the platform cannot answer", async () => {
    const s = runScenario(() => ok({ action: "reject", sipCode: 486, reason: "busy" }));
    const call = new FakeCall("call-2");
    s.app.emit("CallAlerting", { call, callerid: "1", destination: "2" });
    await flush();
    expect(call.log).toEqual([["reject", 486]]);
    expect(s.terminated()).toBe(1);

    const down = runScenario(() => ({ code: 502, text: "" }));
    const other = new FakeCall("call-3");
    down.app.emit("CallAlerting", { call: other, callerid: "1", destination: "2" });
    await flush();
    expect(down.requests).toHaveLength(2); // retried once
    expect(other.log).toEqual([["reject", 503]]);
  });

  it("places an outbound call from its custom data and reports ringing, connected and a failure with its SIP code", async () => {
    const dial = ok({ action: "dial", to: "+15555550100", from: "+15555550200", bridgeUrl: "wss://bridge.example/m?token=t2", encoding: "pcm8", ringS: 30, maxS: 600 });
    const s = runScenario((req) => (req.url.endsWith("/calls") ? dial : { code: 204, text: "" }), JSON.stringify({ v: 1, kind: "outbound", sessionId: "ses_2", token: "tok", ringS: 30, maxS: 600 }));
    s.app.emit("Started", { accessURL: "http://media/2", accessSecureURL: "https://media/2", sessionId: 9002 });
    await flush();
    expect(s.requests[0]?.body).toEqual({ v: 1, kind: "outbound", sessionId: "ses_2", token: "tok", ringS: 30, maxS: 600, sessionHistoryId: "9002", accessUrl: "https://media/2" });
    expect(s.pstn.map((p) => [p.to, p.from])).toEqual([["+15555550100", "+15555550200"]]);
    expect(s.requests[1]?.body).toMatchObject({ seq: 1, event: "ringing", sessionId: "ses_2", callId: "out-1" });
    const call = s.pstn[0]!.call;
    call.emit("Connected");
    await flush();
    expect(call.log).toContainEqual(["sendMediaTo", "wss://bridge.example/m?token=t2", { encoding: "PCM8", tag: "speaknode", customParameters: { sessionId: "ses_2" } }]);
    expect(s.requests[2]?.body).toMatchObject({ seq: 2, event: "connected" });

    const busy = runScenario((req) => (req.url.endsWith("/calls") ? dial : { code: 204, text: "" }), JSON.stringify({ v: 1, kind: "outbound", sessionId: "ses_3", token: "tok" }));
    busy.app.emit("Started", { accessURL: "u", sessionId: 9003 });
    await flush();
    busy.pstn[0]!.call.emit("Failed", { code: 486, reason: "Busy Here" });
    await flush();
    expect(busy.requests.at(-1)?.body).toMatchObject({ event: "failed", sipCode: 486, reason: "Busy Here", sessionId: "ses_3" });
    expect(busy.terminated()).toBe(1);
  });

  it("obeys the platform's hangup and transfer commands on its access URL", async () => {
    const s = runScenario((req) => (req.url.endsWith("/calls") ? connect : { code: 204, text: "" }));
    const call = new FakeCall("call-4");
    s.app.emit("CallAlerting", { call, callerid: "1", destination: "2" });
    await flush();
    call.emit("Connected");
    await flush();
    expect(s.app.emit("HttpRequest", { content: "{nonsense", method: "POST", path: "/" })).toEqual([{ ok: false, error: "unknown command" }]);
    expect(s.app.emit("HttpRequest", { content: JSON.stringify({ command: "transfer", to: "+15555550300", from: "+15555550200" }) })).toEqual([{ ok: true }]);
    const leg = s.pstn[0]!;
    expect([leg.to, leg.from]).toEqual(["+15555550300", "+15555550200"]);
    leg.call.emit("Connected");
    await flush();
    expect(s.bridged).toEqual([["call-4", "out-1"]]);
    expect(s.sockets[0]?.log).toContainEqual(["close"]);
    expect(s.requests.at(-1)?.body).toMatchObject({ event: "transferred" });
    // The bridge's socket closing after a transfer does not end the call; the platform's hangup does.
    s.sockets[0]?.emit("CLOSE");
    await flush();
    expect(s.terminated()).toBe(0);
    expect(s.app.emit("HttpRequest", { content: '{"command":"hangup"}' })).toEqual([{ ok: true }]);
    await flush();
    expect(call.log).toContainEqual(["hangup"]);
    expect(leg.call.log).toContainEqual(["hangup"]);
    expect(s.requests.at(-1)?.body).toMatchObject({ event: "disconnected", reason: "ended by the platform" });
    expect(s.terminated()).toBe(1);
  });

  it("embeds its configuration as JSON literals, so odd characters cannot break out of the script", () => {
    const script = voximplantScenario({ platformOrigin: "https://a.example", connectionId: "tcn_x", scenarioSecret: 'x"; Logger.write("pwned', bridgeUrl: "wss://b?token=secret", encoding: "ulaw" });
    expect(script).toContain('const SPEAKNODE_SECRET = "x\\"; Logger.write(\\"pwned";');
    expect(script).not.toContain("token=secret");
  });
});
