// The VoxEngine scenario a VoxImplant connection's owner uploads to their application, generated
// with this platform's URL and the connection's scenario secret filled in. It uses only this
// subset of VoxEngine (the simulator implements exactly it): VoxEngine.addEventListener(AppEvents.
// Started|CallAlerting|HttpRequest|Terminating), customData(), callPSTN(), createWebSocket(),
// sendMediaBetween(), terminate(); Net.httpRequestAsync(); Logger.write(); setTimeout/clearTimeout;
// call answer/hangup/id/reject/sendDigits/handleTones/sendMediaTo/addEventListener(Connected,
// Disconnected, Failed, ToneReceived); ws addEventListener(OPEN, CLOSE, ERROR, MESSAGE), sendMediaTo,
// send, close, clearMediaBuffer; WebSocketAudioEncoding.PCM8|ULAW.
//
// Inbound: CallAlerting → POST /calls {v:1, callId, sessionHistoryId, accessUrl, from, to} →
// {action:"connect", sessionId, bridgeUrl, encoding} (answer, then bridge the call's audio with the
// bridge's WebSocket both ways) or {action:"reject", sipCode} (reject with that code).
// Outbound (StartScenarios): customData `{"v":1,"kind":"outbound","sessionId","token","ringS","maxS"}` (VoxEngine's
// custom data holds at most 200 bytes, so the rest is asked for) → POST /calls {v:1, kind:"outbound",
// sessionId, token, ringS, maxS, sessionHistoryId, accessUrl} → {action:"dial", to, from, bridgeUrl, encoding,
// ringS, maxS} → callPSTN; Connected → bridge; Failed → reported with its SIP code.
// Control (the session's access URL): {command:"hangup"} | {command:"transfer", to, from}.
// Events: POST /events {v:1, seq, callId, sessionHistoryId, sessionId, event, sipCode?, reason?,
// durationS?, at}, seq counting per scenario run (the edge de-duplicates retries on it).
// Never logs phone numbers, tokens or the secret.
import type { VoximplantEncoding } from "@speaknode/contracts";

export interface VoximplantScenarioOptions {
  /** https origin the scenario calls back (the Worker's public origin). */
  platformOrigin: string;
  connectionId: string;
  scenarioSecret: string;
  /** The media bridge (informational: each call's URL, with its single-use token, comes from /calls). */
  bridgeUrl: string;
  /** Default media encoding when an answer names none. */
  encoding: VoximplantEncoding;
}

export const voximplantScenarioFileName = (connectionId: string) => `speaknode-${connectionId}.js`;

export function voximplantScenario(o: VoximplantScenarioOptions): string {
  const base = `${o.platformOrigin.replace(/\/+$/, "")}/telephony/voximplant/${o.connectionId}`;
  return `// Speaknode VoxEngine scenario for connection ${o.connectionId} (generated; upload as is).
// Media bridge: ${o.bridgeUrl.replace(/\?.*$/, "")}
const SPEAKNODE_BASE = ${JSON.stringify(base)};
const SPEAKNODE_SECRET = ${JSON.stringify(o.scenarioSecret)};
const SPEAKNODE_ENCODING = ${JSON.stringify(o.encoding)};

let seq = 0;
let access = { url: "", historyId: "" };
let state = { call: null, ws: null, sessionId: null, connectedAt: 0, ended: false, transfer: null, timers: [] };

function encodingOf(name) {
  return (name || SPEAKNODE_ENCODING) === "ulaw" ? WebSocketAudioEncoding.ULAW : WebSocketAudioEncoding.PCM8;
}

async function post(path, body, attempts) {
  for (let i = 1; ; i++) {
    const r = await Net.httpRequestAsync(SPEAKNODE_BASE + path, {
      method: "POST",
      headers: ["Authorization: Bearer " + SPEAKNODE_SECRET, "Content-Type: application/json"],
      postData: JSON.stringify(body),
    });
    if ((r.code >= 200 && r.code < 300) || (r.code >= 400 && r.code < 500) || i >= attempts) return r;
    Logger.write("speaknode: " + path + " answered " + r.code + "; trying again");
  }
}

function report(event, extra) {
  seq += 1;
  const body = { v: 1, seq: seq, callId: state.call ? state.call.id() : "", sessionHistoryId: access.historyId, sessionId: state.sessionId, event: event, at: new Date().toISOString() };
  for (const k in extra || {}) if (extra[k] !== undefined && extra[k] !== null) body[k] = extra[k];
  return post("/events", body, 3).then(function (r) {
    if (r.code !== 204) Logger.write("speaknode: event " + event + " answered " + r.code);
  });
}

function clearTimers() {
  for (const t of state.timers) clearTimeout(t);
  state.timers = [];
}

function finish(reason) {
  if (state.ended) return;
  state.ended = true;
  clearTimers();
  Logger.write("speaknode: call ended (" + reason + ")");
  const durationS = state.connectedAt ? Math.round((Date.now() - state.connectedAt) / 1000) : 0;
  if (state.ws) {
    try { state.ws.send(JSON.stringify({ speaknode: "hangup" })); } catch (e) {}
    try { state.ws.close(); } catch (e) {}
  }
  if (state.call) try { state.call.hangup(); } catch (e) {}
  if (state.transfer) try { state.transfer.hangup(); } catch (e) {}
  report("disconnected", { reason: reason, durationS: durationS }).then(function () { VoxEngine.terminate(); }, function () { VoxEngine.terminate(); });
}

function onBridgeMessage(e) {
  let msg;
  try { msg = JSON.parse(e.text); } catch (err) { return; }
  if (!msg || typeof msg.speaknode !== "string") return;
  if (msg.speaknode === "clear") state.ws.clearMediaBuffer();
  else if (msg.speaknode === "dtmf" && typeof msg.digits === "string" && state.call) state.call.sendDigits(msg.digits);
  else if (msg.speaknode === "hangup") finish("agent hung up");
}

function bridge(call, bridgeUrl, encoding) {
  const ws = VoxEngine.createWebSocket(bridgeUrl);
  state.ws = ws;
  ws.addEventListener(WebSocketEvents.MESSAGE, onBridgeMessage);
  ws.addEventListener(WebSocketEvents.CLOSE, function () { if (!state.transfer) finish("bridge closed"); });
  ws.addEventListener(WebSocketEvents.ERROR, function () { Logger.write("speaknode: bridge socket error"); });
  call.sendMediaTo(ws, { encoding: encodingOf(encoding), tag: "speaknode", customParameters: { sessionId: state.sessionId } });
  ws.sendMediaTo(call);
  call.handleTones(true);
  call.addEventListener(CallEvents.ToneReceived, function (t) {
    if (state.ws && !state.transfer) state.ws.send(JSON.stringify({ speaknode: "dtmf", digit: String(t.tone) }));
  });
}

function watch(call) {
  call.addEventListener(CallEvents.Disconnected, function () { finish("caller hung up"); });
  call.addEventListener(CallEvents.Failed, function (e) {
    if (state.ended) return;
    state.ended = true;
    clearTimers();
    Logger.write("speaknode: call failed " + e.code);
    report("failed", { sipCode: e.code, reason: String(e.reason || "") }).then(function () { VoxEngine.terminate(); }, function () { VoxEngine.terminate(); });
  });
}

VoxEngine.addEventListener(AppEvents.Started, async function (e) {
  access = { url: e.accessSecureURL || e.accessURL || "", historyId: String(e.sessionId || "") };
  let custom = null;
  try { custom = JSON.parse(VoxEngine.customData() || "null"); } catch (err) { custom = null; }
  if (!custom || custom.kind !== "outbound") return;
  state.sessionId = custom.sessionId;
  const r = await post("/calls", { v: 1, kind: "outbound", sessionId: custom.sessionId, token: custom.token, ringS: custom.ringS, maxS: custom.maxS, sessionHistoryId: access.historyId, accessUrl: access.url }, 2);
  let answer = null;
  try { answer = JSON.parse(r.text); } catch (err) { answer = null; }
  if (r.code !== 200 || !answer || answer.action !== "dial") {
    Logger.write("speaknode: outbound call refused by the platform (" + r.code + ")");
    VoxEngine.terminate();
    return;
  }
  const call = VoxEngine.callPSTN(answer.to, answer.from);
  state.call = call;
  watch(call);
  state.timers.push(setTimeout(function () {
    if (!state.connectedAt && !state.ended) { try { call.hangup(); } catch (err) {} }
  }, (answer.ringS || 30) * 1000));
  call.addEventListener(CallEvents.Connected, function () {
    state.connectedAt = Date.now();
    clearTimers();
    if (answer.maxS) state.timers.push(setTimeout(function () { finish("time limit"); }, answer.maxS * 1000));
    bridge(call, answer.bridgeUrl, answer.encoding);
    report("connected");
  });
  report("ringing");
});

VoxEngine.addEventListener(AppEvents.CallAlerting, async function (e) {
  const call = e.call;
  state.call = call;
  const r = await post("/calls", { v: 1, callId: call.id(), sessionHistoryId: access.historyId, accessUrl: access.url, from: String(e.callerid || ""), to: String(e.destination || "") }, 2);
  let answer = null;
  try { answer = JSON.parse(r.text); } catch (err) { answer = null; }
  if (r.code !== 200 || !answer || answer.action !== "connect") {
    const code = answer && answer.action === "reject" && answer.sipCode ? answer.sipCode : 503;
    Logger.write("speaknode: inbound call rejected (" + code + ")");
    state.ended = true;
    call.reject(code);
    VoxEngine.terminate();
    return;
  }
  state.sessionId = answer.sessionId;
  watch(call);
  call.addEventListener(CallEvents.Connected, function () {
    state.connectedAt = Date.now();
    bridge(call, answer.bridgeUrl, answer.encoding);
    report("connected");
  });
  call.answer();
});

VoxEngine.addEventListener(AppEvents.HttpRequest, function (e) {
  let cmd = null;
  try { cmd = JSON.parse(e.content || "null"); } catch (err) { cmd = null; }
  if (!cmd || typeof cmd.command !== "string") return { ok: false, error: "unknown command" };
  if (cmd.command === "hangup") {
    finish("ended by the platform");
    return { ok: true };
  }
  if (cmd.command === "transfer" && typeof cmd.to === "string" && state.call && !state.ended) {
    const leg = VoxEngine.callPSTN(cmd.to, typeof cmd.from === "string" ? cmd.from : "");
    leg.addEventListener(CallEvents.Connected, function () {
      state.transfer = leg;
      if (state.ws) { try { state.ws.close(); } catch (err) {} state.ws = null; }
      VoxEngine.sendMediaBetween(state.call, leg);
      report("transferred");
    });
    leg.addEventListener(CallEvents.Failed, function (f) { Logger.write("speaknode: transfer failed " + f.code); });
    leg.addEventListener(CallEvents.Disconnected, function () { finish("transfer target hung up"); });
    return { ok: true };
  }
  return { ok: false, error: "unknown command" };
});

VoxEngine.addEventListener(AppEvents.Terminating, function () {
  clearTimers();
});
`;
}
