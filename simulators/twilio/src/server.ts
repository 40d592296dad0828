// The Twilio simulator: a local stand-in for Twilio's cloud, for `npm run dev` and tests. Twilio's
// REST API under /2010-04-01 (rest.ts), signed webhooks, TwiML and Media Streams (call.ts,
// verbs.ts, media-stream.ts), and its own control API under /sim (control.ts). The platform's real
// Twilio client and webhook handlers are pointed at it by configuration and cannot tell.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fliteSpeak } from "./audio.ts";
import { Call } from "./call.ts";
import { machineGreeting } from "./callee.ts";
import { handleControl, type ControlApi } from "./control.ts";
import { DialBook, maxCreateCallLatencyMs, type SimConfig } from "./dials.ts";
import { HttpError, twilioError } from "./http.ts";
import type { Account, AccountConfig, CallReport, IncomingNumber, PhoneBehaviour, ScriptStep } from "./model.ts";
import { outboundCallInit } from "./outbound.ts";
import { authenticate, handleRest, type RestWorld } from "./rest.ts";
import { handleTrunking, isTrunkingPath, TrunkingState } from "./trunking.ts";

export interface TwilioSimulatorOptions {
  host?: "127.0.0.1";
  /** 0 picks a free port. */
  port?: number;
  accounts: AccountConfig[];
  /** 8 kHz PCM for a phrase; default flite. */
  speak?: (text: string) => Int16Array;
  log?: (line: string) => void;
  /** Calls.json creations allowed per second and account before 429 (code 20429); default unlimited. */
  callsPerSecond?: number;
  /** Milliseconds every POST Calls.json waits before it is handled (also PUT /sim/config); default 0. */
  createCallLatencyMs?: number;
}

export interface TwilioSimulator extends ControlApi {
  url: string;
  port: number;
  close(): Promise<void>;
  /** The account's numbers as they are now (after the platform's updates). */
  numbers(accountSid: string): IncomingNumber[];
  waitForCall(sid: string, predicate: (call: CallReport) => boolean, timeoutMs?: number): Promise<CallReport>;
  /** Resolves once every status callback of the call queued so far has been answered. */
  statusCallbacksSent(sid: string): Promise<void>;
}

function accountOf(config: AccountConfig): Account {
  const now = new Date();
  return {
    sid: config.accountSid,
    authToken: config.authToken,
    friendlyName: config.friendlyName ?? "Speaknode simulated account",
    apiKeys: config.apiKeys ?? [],
    verifiedCallerIds: config.verifiedCallerIds ?? [],
    trial: config.trial ?? false,
    blockedCountryCodes: config.blockedCountryCodes ?? [],
    dateCreated: now,
    recentCreates: [],
    numbers: config.numbers.map((n) => ({
      sid: n.sid,
      accountSid: config.accountSid,
      phoneNumber: n.phoneNumber,
      friendlyName: n.friendlyName ?? n.phoneNumber,
      voiceUrl: n.voiceUrl ?? null,
      voiceMethod: "POST",
      voiceFallbackUrl: null,
      voiceFallbackMethod: "POST",
      statusCallback: n.statusCallback ?? null,
      statusCallbackMethod: "POST",
      voiceApplicationSid: null,
      voiceCallerIdLookup: false,
      dateCreated: now,
      dateUpdated: now,
    })),
  };
}

export async function startTwilioSimulator(opts: TwilioSimulatorOptions): Promise<TwilioSimulator> {
  const host = opts.host ?? "127.0.0.1";
  const log = opts.log ?? (() => {});
  const speakCache = new Map<string, Int16Array>();
  const speak = (text: string): Int16Array => {
    let pcm = speakCache.get(text);
    if (!pcm) {
      pcm = (opts.speak ?? fliteSpeak)(text);
      if (speakCache.size > 500) speakCache.clear();
      speakCache.set(text, pcm);
    }
    return pcm;
  };
  const accounts = new Map(opts.accounts.map((a) => [a.accountSid, accountOf(a)]));
  const calls = new Map<string, Call>();
  const phones = new Map<string, PhoneBehaviour>();
  const watchers = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...watchers]) w();
  };
  const deps = {
    speak,
    phone: (number: string) => phones.get(number) ?? null,
    log: (message: string, fields: Record<string, unknown>) => log(`twilio-sim ${message} ${JSON.stringify(fields)}`),
    onChange: notify,
  };
  const start = (call: Call): Call => {
    // flite runs synchronously: speak the script before the call starts, never in the middle of its audio.
    for (const step of call.init.script) if ("say" in step) speak(step.say);
    if (call.init.callee?.answer === "machine") speak(machineGreeting);
    calls.set(call.sid, call);
    void call.run();
    return call;
  };

  const latency = opts.createCallLatencyMs ?? 0;
  if (!Number.isInteger(latency) || latency < 0 || latency > maxCreateCallLatencyMs) throw new Error(`createCallLatencyMs must be an integer 0..${maxCreateCallLatencyMs}`);
  const config: SimConfig = { createCallLatencyMs: latency };
  const dials = new DialBook();
  const world: RestWorld = {
    accounts,
    calls,
    callsPerSecond: opts.callsPerSecond ?? null,
    dials,
    config,
    createCall: (account, form) => start(new Call(outboundCallInit(account, form, (to) => phones.get(to) ?? null), deps)),
  };

  const api: ControlApi = {
    placeCall(input: { accountSid?: string; from: string; to: string; script?: ScriptStep[]; callerName?: string }) {
      const candidates = input.accountSid ? [accounts.get(input.accountSid)].filter((a): a is Account => a !== undefined) : [...accounts.values()];
      for (const account of candidates) {
        const number = account.numbers.find((n) => n.phoneNumber === input.to);
        if (!number) continue;
        const call = new Call(
          {
            account,
            direction: "inbound",
            from: input.from,
            to: input.to,
            callerName: input.callerName ?? null,
            phoneNumberSid: number.sid,
            twiml: null,
            url: number.voiceApplicationSid ? null : number.voiceUrl,
            method: number.voiceMethod,
            statusCallback: number.statusCallback,
            statusCallbackMethod: number.statusCallbackMethod,
            statusEvents: new Set(["completed"]),
            timeoutS: 60,
            timeLimitS: 14_400,
            machineDetection: null,
            asyncAmd: false,
            amdCallback: null,
            amdCallbackMethod: "POST",
            script: input.script ?? [],
            callee: null,
          },
          deps,
        );
        start(call);
        return { callSid: call.sid };
      }
      throw new HttpError(404, 404, `no simulated number ${input.to}${input.accountSid ? " on that account" : ""}`);
    },
    setPhone: (number, behaviour) => void phones.set(number, behaviour),
    phone: (number) => phones.get(number) ?? null,
    calls: () => [...calls.values()].map((c) => c.report()),
    call: (sid) => calls.get(sid)?.report() ?? null,
    agentWav: (sid) => calls.get(sid)?.agentWav() ?? null,
    dials: (to) => dials.list(to),
    config: () => ({ ...config }),
    setConfig: (next) => void Object.assign(config, next),
    hangup(sid) {
      const call = calls.get(sid);
      if (!call || call.isOver) return false;
      call.end(call.answered ? "completed" : "canceled", "caller");
      return true;
    },
  };

  // Elastic SIP Trunking (trunking.ts), served on this origin beside /2010-04-01.
  const trunking = new TrunkingState();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    const handle = url.pathname.startsWith("/sim/")
      ? handleControl(api, req, res, url)
      : isTrunkingPath(url.pathname)
        ? (async () => handleTrunking(trunking, authenticate(world, req), req, res, url))()
        : handleRest(world, req, res, url);
    handle.catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) return twilioError(res, err);
      log(`twilio-sim request failed ${JSON.stringify({ path: url.pathname, error: err instanceof Error ? err.message : String(err) })}`);
      twilioError(res, new HttpError(500, 20500, "Internal Server Error"));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  log(`twilio-sim listening ${JSON.stringify({ url })}`);

  return {
    ...api,
    url,
    port,
    numbers: (accountSid) => (accounts.get(accountSid)?.numbers ?? []).map((n) => ({ ...n })),
    waitForCall(sid, predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const report = calls.get(sid)?.report();
          if (report && predicate(report)) {
            cleanup();
            resolve(report);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`call ${sid} did not reach the expected state in ${timeoutMs} ms (status ${calls.get(sid)?.status ?? "unknown"})`));
        }, timeoutMs);
        // Events notify at once; audio timings (segments, first agent audio) change every frame and are polled.
        const poll = setInterval(check, 50);
        const cleanup = (): void => {
          clearTimeout(timer);
          clearInterval(poll);
          watchers.delete(watcher);
        };
        const watcher = (): void => void check();
        watchers.add(watcher);
        check();
      });
    },
    statusCallbacksSent: (sid) => calls.get(sid)?.statusCallbacksSent() ?? Promise.resolve(),
    async close() {
      for (const call of calls.values()) call.end(call.answered ? "completed" : "canceled", "simulator-closed");
      await Promise.allSettled([...calls.values()].map((c) => c.statusCallbacksSent()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
