// A VoxEngine session: the uploaded scenario run in node:vm with the subset of the VoxEngine API the
// platform's scenario uses (https://voximplant.com/docs/references/voxengine), nothing else:
//   VoxEngine.addEventListener/removeEventListener, customData(), callPSTN(number, callerid),
//   createWebSocket(url), sendMediaBetween(a, b), terminate(); Net.httpRequestAsync(url, {method, headers, postData, timeout});
//   Logger.write(text); AppEvents, CallEvents, WebSocketEvents, WebSocketAudioEncoding;
//   setTimeout/setInterval and their clear functions.
// Events reach listeners as objects with `name` and the documented fields. A listener that throws is
// recorded (scenario.error) and the session goes on.
import { randomBytes } from "node:crypto";
import vm from "node:vm";
import type { ScriptStep } from "../../twilio/src/model.ts";
import { VoxCall } from "./call.ts";
import { callFacade, socketFacade, type Listener } from "./facades.ts";
import type { Account, Application, CallEventRecord, PhoneBehaviour, Rule, SessionReport } from "./model.ts";
import { digitsOf, e164 } from "./model.ts";
import { httpRequestAsync } from "./net.ts";
import { SimSocket } from "./websocket.ts";

export const AppEvents = { CallAlerting: "Application.CallAlerting", Started: "Application.Started", HttpRequest: "Application.HttpRequest", Terminating: "Application.Terminating", Terminated: "Application.Terminated" } as const;
export const CallEvents = { Connected: "Call.Connected", Disconnected: "Call.Disconnected", Failed: "Call.Failed", Ringing: "Call.Ringing", ToneReceived: "Call.ToneReceived" } as const;
export const WebSocketEvents = { OPEN: "WebSocket.Open", CLOSE: "WebSocket.Close", ERROR: "WebSocket.Error", MESSAGE: "WebSocket.Message", MEDIA_STARTED: "WebSocket.MediaStarted", MEDIA_ENDED: "WebSocket.MediaEnded" } as const;
export const WebSocketAudioEncoding = { PCM8: "PCM8", PCM16: "PCM16", PCM16_8KHZ: "PCM16_8KHZ", PCM16_16KHZ: "PCM16_16KHZ", ULAW: "ULAW" } as const;

export interface SessionDeps {
  speak(text: string): Int16Array;
  phone(e164: string): PhoneBehaviour | null;
  /** How long an unanswered outbound call rings before 480; default 60 s. */
  noAnswerTimeoutMs: number;
  /** A session with no live call and no open WebSocket ends after this long. */
  idleSessionMs: number;
  baseUrl(): string;
  onCall(call: VoxCall): void;
  onChange(): void;
  log(message: string, fields: Record<string, unknown>): void;
}

let nextSessionId = 100_000_001;
const unansweredInboundMs = 60_000;
const maxTimers = 100;
const customDataMaxBytes = 200;
// "Callback execution time is limited to 1 second" (docs: limits).
const callbackLimitMs = 1000;
const invokeSlot = "__voximplantSimulatorInvoke";
const invokeScript = new vm.Script(`(function () { const a = globalThis.${invokeSlot}; globalThis.${invokeSlot} = undefined; return a[0](a[1]); })()`);

export class Session {
  readonly id = nextSessionId++;
  readonly secret = randomBytes(16).toString("hex");
  readonly account: Account;
  readonly application: Application;
  readonly rule: Rule | null;
  customData: string;
  readonly createdMs = performance.now();
  readonly events: CallEventRecord[] = [];
  readonly errors: string[] = [];
  readonly calls: VoxCall[] = [];
  readonly sockets: SimSocket[] = [];
  status: "running" | "terminated" = "running";
  readonly #deps: SessionDeps;
  readonly #appListeners = new Map<string, Listener[]>();
  readonly #callListeners = new Map<VoxCall, Map<string, Listener[]>>();
  readonly #socketListeners = new Map<SimSocket, Map<string, Listener[]>>();
  readonly #facades = new Map<object, object>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Timers of our own (ringing, the unanswered-call limit), apart from the scenario's 100. */
  readonly #internalTimers = new Set<NodeJS.Timeout>();
  #idleTimer: NodeJS.Timeout | null = null;
  #context: vm.Context | null = null;

  constructor(account: Account, application: Application, rule: Rule | null, customData: string, deps: SessionDeps) {
    this.account = account;
    this.application = application;
    this.rule = rule;
    this.customData = customData;
    this.#deps = deps;
  }

  get accessUrl(): string {
    return `${this.#deps.baseUrl()}/vox/sessions/${this.id}/${this.secret}`;
  }

  nowMs(): number {
    return Math.round(performance.now() - this.createdMs);
  }

  record(kind: string, detail: Record<string, unknown> = {}): void {
    this.events.push({ atMs: this.nowMs(), kind, ...detail });
    this.#deps.onChange();
  }

  /** Runs the scenario's code, then raises AppEvents.Started. */
  start(): void {
    const code = this.application.scenario ?? "";
    const context = vm.createContext(this.#sandbox(), { name: `voximplant-session-${this.id}` });
    this.#context = context;
    try {
      // VoxImplant limits a callback's execution to 1 second (docs: "Limits and restrictions").
      new vm.Script(code, { filename: `${this.application.name}.js` }).runInContext(context, { timeout: callbackLimitMs });
    } catch (err) {
      this.#error(err);
    }
    this.record("session.started", { ruleId: this.rule?.ruleId ?? null });
    this.#dispatch(this.#appListeners, AppEvents.Started, { accessURL: this.accessUrl, accessSecureURL: this.accessUrl, sessionId: this.id });
    this.#scheduleIdle();
  }

  /** An inbound call reaches the scenario: AppEvents.CallAlerting. */
  alert(from: string, to: string, script: ScriptStep[], displayName: string | null): VoxCall {
    const call = this.#newCall("inbound", e164(from), e164(to), script);
    // "An unanswered incoming call is disconnected in 60 seconds" (docs: limits).
    this.#later(unansweredInboundMs, () => {
      if (call.status === "alerting") call.fail(408, "Request Timeout", "unanswered");
    });
    this.#dispatch(this.#appListeners, AppEvents.CallAlerting, { call: this.#callFacade(call), callerid: digitsOf(from), destination: digitsOf(to), displayName: displayName ?? digitsOf(from), headers: {} });
    return call;
  }

  /** AppEvents.HttpRequest from a request to the access URL; answers what the listener returns. */
  async httpRequest(method: string, path: string, content: string): Promise<string> {
    const results = this.#dispatch(this.#appListeners, AppEvents.HttpRequest, { method, path, content });
    const first = results.find((r) => r !== undefined);
    const value = await Promise.race([Promise.resolve(first), new Promise((r) => setTimeout(() => r(undefined), 10_000).unref())]).catch((err: unknown) => {
      this.#error(err);
      return undefined;
    });
    return value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
  }

  /** VoxEngine.terminate(), the idle timeout or the simulator closing. */
  terminate(reason: string): void {
    if (this.status === "terminated") return;
    this.#dispatch(this.#appListeners, AppEvents.Terminating, {});
    this.status = "terminated";
    for (const call of this.calls) call.drop(reason);
    for (const socket of this.sockets) socket.close();
    for (const t of [...this.#timers, ...this.#internalTimers]) clearTimeout(t);
    this.#timers.clear();
    this.#internalTimers.clear();
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.record("session.terminated", { reason });
    this.#dispatch(this.#appListeners, AppEvents.Terminated, {});
  }

  report(): SessionReport {
    return { id: this.id, accountId: this.account.accountId, applicationId: this.application.applicationId, ruleId: this.rule?.ruleId ?? null, status: this.status, customData: this.customData, accessUrl: this.accessUrl, accessSecureUrl: this.accessUrl, calls: this.calls.map((c) => c.id), events: [...this.events], errors: [...this.errors] };
  }

  #error(err: unknown): void {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.errors.push(message);
    this.record("scenario.error", { message: message.slice(0, 500) });
    this.#deps.log("scenario error", { sessionId: this.id, message: message.slice(0, 200) });
  }

  #dispatch(listeners: Map<string, Listener[]> | undefined, name: string, fields: Record<string, unknown>): unknown[] {
    const event = { name, ...fields };
    const out: unknown[] = [];
    for (const fn of [...(listeners?.get(name) ?? [])]) {
      try {
        const r = this.#invoke(fn, event);
        if (r && typeof (r as Promise<unknown>).then === "function") (r as Promise<unknown>).then(undefined, (err: unknown) => this.#error(err));
        out.push(r);
      } catch (err) {
        this.#error(err);
      }
    }
    return out;
  }

  /** Calls a scenario function inside its context, so VoxImplant's 1 s callback limit applies to it. */
  #invoke<A>(fn: (arg: A) => unknown, arg: A): unknown {
    if (!this.#context) return fn(arg);
    this.#context[invokeSlot] = [fn, arg];
    return invokeScript.runInContext(this.#context, { timeout: callbackLimitMs });
  }

  #newCall(direction: "inbound" | "outbound", from: string, to: string, script: ScriptStep[]): VoxCall {
    const call = new VoxCall(
      { sessionId: this.id, accountId: this.account.accountId, applicationId: this.application.applicationId, direction, from, to, script },
      {
        speak: (t) => this.#deps.speak(t),
        emit: (c, name, fields) => {
          this.#dispatch(this.#callListeners.get(c), name, { call: this.#callFacade(c), ...fields });
          if (!c.live) this.#scheduleIdle();
        },
        sessionEvents: () => this.events,
        sessionCreatedMs: this.createdMs,
        onChange: () => this.#deps.onChange(),
      },
    );
    for (const step of script) if ("say" in step) this.#deps.speak(step.say);
    this.calls.push(call);
    this.#deps.onCall(call);
    return call;
  }

  #callFacade(call: VoxCall): object {
    let f = this.#facades.get(call);
    if (!f) {
      const listeners = new Map<string, Listener[]>();
      this.#callListeners.set(call, listeners);
      f = callFacade(call, listeners, { socketOf: (ws) => this.#socketOf(ws), record: (k, d) => this.record(k, d) });
      this.#facades.set(call, f);
    }
    return f;
  }

  #socketFacade(socket: SimSocket): object {
    let f = this.#facades.get(socket);
    if (!f) {
      const listeners = new Map<string, Listener[]>();
      this.#socketListeners.set(socket, listeners);
      f = socketFacade(socket, listeners, { callOf: (c) => this.#callOf(c) });
      this.#facades.set(socket, f);
    }
    return f;
  }

  #socketOf(facade: unknown): SimSocket | null {
    for (const [host, f] of this.#facades) if (f === facade && host instanceof SimSocket) return host;
    return null;
  }

  #callOf(facade: unknown): VoxCall | null {
    for (const [host, f] of this.#facades) if (f === facade && host instanceof VoxCall) return host;
    return null;
  }

  #callPSTN(number: unknown, callerid: unknown): object {
    const to = e164(String(number ?? "").replace(/[^\d+]/g, ""));
    const from = e164(String(callerid ?? "").replace(/[^\d+]/g, ""));
    const phone = this.#deps.phone(to) ?? { answer: "human" };
    const call = this.#newCall("outbound", from, to, phone.script ?? []);
    const facade = this.#callFacade(call);
    this.record("call.pstn", { callId: call.id });
    // Events fire after the scenario's synchronous code has added its listeners, as in VoxEngine.
    const later = (ms: number, fn: () => void): void => this.#later(ms, () => call.live && fn());
    later(50, () => call.emitRinging());
    const ringMs = phone.ringMs ?? 1000;
    if (phone.answer === "human") later(ringMs, () => call.connect());
    else if (phone.answer === "busy") later(ringMs, () => call.fail(486, "Busy Here", "busy"));
    else later(phone.ringTimeoutMs ?? this.#deps.noAnswerTimeoutMs, () => call.fail(480, "Temporarily Unavailable", "no-answer"));
    return facade;
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#internalTimers.delete(t);
      fn();
    }, ms);
    this.#internalTimers.add(t);
  }

  /** VoxEngine.sendMediaBetween(a, b): the two legs hear each other (a transfer); recorded on both. */
  #sendMediaBetween(a: unknown, b: unknown): void {
    const one = this.#callOf(a);
    const two = this.#callOf(b);
    if (!one || !two) return this.record("scenario.misuse", { what: "sendMediaBetween needs two calls of this session" });
    one.record("media.between", { callId: two.id, to: two.init.to });
    two.record("media.between", { callId: one.id, to: one.init.to });
  }

  #createWebSocket(url: unknown): object {
    const socket = new SimSocket(String(url), {
      emit: (s, name, fields) => {
        this.#dispatch(this.#socketListeners.get(s), name, { websocket: this.#socketFacade(s), ...fields });
        if (name === WebSocketEvents.CLOSE) this.#scheduleIdle();
      },
      record: (k, d) => this.record(k, d),
    });
    this.sockets.push(socket);
    return this.#socketFacade(socket);
  }

  #scheduleIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      // "A session without calls … is terminated in 60 seconds" (docs: limits).
      if (this.calls.some((c) => c.live)) this.#scheduleIdle();
      else this.terminate("idle");
    }, this.#deps.idleSessionMs);
    this.#idleTimer.unref();
  }

  #sandbox(): Record<string, unknown> {
    const track = (t: NodeJS.Timeout): NodeJS.Timeout => (this.#timers.add(t), t);
    const timer = (make: (fn: () => void) => NodeJS.Timeout, fn: unknown, once: boolean): NodeJS.Timeout => {
      // "The maximum number of active timers is 100" (docs: limits).
      if (this.#timers.size >= maxTimers) throw new Error("too many active timers (100)");
      const t = make(() => {
        if (once) this.#timers.delete(t);
        guard(fn)();
      });
      return track(t);
    };
    const guard = (fn: unknown) => () => {
      try {
        if (typeof fn === "function") this.#invoke(fn as (arg: undefined) => unknown, undefined);
      } catch (err) {
        this.#error(err);
      }
    };
    return {
      AppEvents,
      CallEvents,
      WebSocketEvents,
      WebSocketAudioEncoding,
      VoxEngine: {
        addEventListener: (name: string, fn: Listener) => void this.#appListeners.set(name, [...(this.#appListeners.get(name) ?? []), fn]),
        removeEventListener: (name: string, fn?: Listener) => void this.#appListeners.set(name, fn ? (this.#appListeners.get(name) ?? []).filter((f) => f !== fn) : []),
        customData: (value?: unknown) => {
          if (typeof value === "string") {
            if (Buffer.byteLength(value) > customDataMaxBytes) throw new Error("customData is at most 200 bytes");
            this.customData = value;
          }
          return this.customData;
        },
        sendMediaBetween: (a: unknown, b: unknown) => this.#sendMediaBetween(a, b),
        callPSTN: (number: unknown, callerid: unknown) => this.#callPSTN(number, callerid),
        createWebSocket: (url: unknown) => this.#createWebSocket(url),
        terminate: () => this.terminate("scenario"),
      },
      Net: { httpRequestAsync: (url: unknown, options: unknown) => httpRequestAsync(String(url), options, (k, d) => this.record(k, d)) },
      Logger: { write: (text: unknown) => this.record("log", { text: String(text).slice(0, 1000) }) },
      setTimeout: (fn: unknown, ms?: number) => timer((f) => setTimeout(f, ms), fn, true),
      setInterval: (fn: unknown, ms?: number) => timer((f) => setInterval(f, ms), fn, false),
      clearTimeout: (t: NodeJS.Timeout) => (clearTimeout(t), this.#timers.delete(t)),
      clearInterval: (t: NodeJS.Timeout) => (clearInterval(t), this.#timers.delete(t)),
    };
  }
}
