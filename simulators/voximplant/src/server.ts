// The VoxImplant simulator: a local stand-in for VoxImplant's cloud, for `npm run dev` and tests.
// The Management API subset under /platform_api (api.ts), the VoxEngine runtime that runs the
// uploaded scenario (session.ts), its calls and WebSocket media (call.ts, websocket.ts), the
// sessions' access URLs under /vox/sessions, and its own control API under /sim (control.ts).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fliteSpeak, wavEncode } from "../../twilio/src/audio.ts";
import { HttpError, readBody, sendJson } from "../../twilio/src/http.ts";
import { apiCallOf, handleApi, sendApi, type ApiWorld } from "./api.ts";
import type { VoxCall } from "./call.ts";
import { handleControl, type ControlApi } from "./control.ts";
import { accountOf, digitsOf, type AccountConfigInput, type CallReport, type PhoneBehaviour, accountConfigSchema } from "./model.ts";
import { redactBody } from "./net.ts";
import { Session } from "./session.ts";

export interface VoximplantSimulatorOptions {
  host?: "127.0.0.1";
  /** 0 picks a free port. */
  port?: number;
  accounts: AccountConfigInput[];
  /** 8 kHz PCM for a phrase; default flite. */
  speak?: (text: string) => Int16Array;
  log?: (line: string) => void;
  /** How long an outbound call to a no-answer phone rings before 480; default 60000. */
  noAnswerTimeoutMs?: number;
  /** A session with no live call and no open WebSocket terminates after this long; default 60000. */
  idleSessionMs?: number;
}

export interface VoximplantSimulator extends ControlApi {
  url: string;
  port: number;
  waitForCall(id: string, predicate: (call: CallReport) => boolean, timeoutMs?: number): Promise<CallReport>;
  close(): Promise<void>;
}

export async function startVoximplantSimulator(opts: VoximplantSimulatorOptions): Promise<VoximplantSimulator> {
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
  const accounts = new Map(opts.accounts.map((raw) => accountConfigSchema.parse(raw)).map((c) => [c.accountId, accountOf(c)]));
  const phones = new Map<string, PhoneBehaviour>();
  const calls = new Map<string, VoxCall>();
  const sessions = new Map<number, Session>();
  const watchers = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...watchers]) w();
  };
  let baseUrl = "";
  const sessionDeps = {
    speak,
    phone: (number: string) => phones.get(number) ?? null,
    noAnswerTimeoutMs: opts.noAnswerTimeoutMs ?? 60_000,
    idleSessionMs: opts.idleSessionMs ?? 60_000,
    baseUrl: () => baseUrl,
    onCall: (call: VoxCall) => void calls.set(call.id, call),
    onChange: notify,
    log: (message: string, fields: Record<string, unknown>) => log(`voximplant-sim ${message} ${JSON.stringify(fields)}`),
  };

  const world: ApiWorld = {
    accounts,
    startScenario(account, application, rule, customData) {
      const session = new Session(account, application, rule, customData, sessionDeps);
      sessions.set(session.id, session);
      session.start();
      return { sessionId: session.id, accessUrl: session.accessUrl, accessSecureUrl: session.accessUrl };
    },
  };

  const applicationById = (id: number) => {
    for (const a of accounts.values()) {
      const app = a.applications.get(id);
      if (app) return { account: a, app };
    }
    return null;
  };

  const api: ControlApi = {
    setScenario(applicationId, code) {
      const found = applicationById(applicationId);
      if (!found) throw new HttpError(404, 404, "no such application");
      // "JavaScript scenario size is limited to 256*1024 Unicode chars" (docs: limits).
      if (code.length > 256 * 1024) throw new HttpError(413, 413, "a scenario is at most 256*1024 characters");
      found.app.scenario = code;
      found.app.modified = new Date();
    },
    placeCall({ from, to, script, callerName }) {
      for (const account of accounts.values()) {
        const number = account.numbers.find((n) => n.phoneNumber === digitsOf(to));
        if (!number) continue;
        const app = number.applicationId === null ? undefined : account.applications.get(number.applicationId);
        if (!app) throw new HttpError(404, 404, "the number is not bound to an application");
        if (app.scenario === null) throw new HttpError(409, 409, "the application has no scenario");
        const rule = app.rules.find((r) => r.ruleId === number.ruleId) ?? app.rules[0] ?? null;
        const session = new Session(account, app, rule, "", sessionDeps);
        sessions.set(session.id, session);
        session.start();
        const call = session.alert(from, to, script, callerName ?? null);
        return { callId: call.id, sessionId: session.id };
      }
      throw new HttpError(404, 404, "no simulated account has that number");
    },
    setPhone: (number, behaviour) => void phones.set(number, behaviour),
    phone: (number) => phones.get(number) ?? null,
    calls: () => [...calls.values()].map((c) => c.report()),
    call: (id) => calls.get(id)?.report() ?? null,
    session: (id) => sessions.get(id)?.report() ?? null,
    agentWav: (id) => {
      const call = calls.get(id);
      return call ? wavEncode(call.agentPcm()) : null;
    },
    hangup(id) {
      const call = calls.get(id);
      if (!call) return false;
      if (call.status === "connected") call.disconnect("caller");
      else call.fail(487, "Request Terminated", "caller");
      return true;
    },
  };

  async function accessRequest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const m = /^\/vox\/sessions\/(\d+)\/([0-9a-f]{32})(\/.*)?$/.exec(url.pathname);
    const session = m?.[1] ? sessions.get(Number(m[1])) : undefined;
    if (!session || session.secret !== m?.[2] || session.status !== "running") throw new HttpError(404, 404, "no such media session");
    const content = await readBody(req);
    const answer = await session.httpRequest(req.method ?? "GET", url.pathname + url.search, content);
    session.record("access.request", { method: req.method, content: redactBody(content), answer: redactBody(answer) });
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(answer) });
    res.end(answer);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", baseUrl || "http://127.0.0.1");
    void (async () => {
      try {
        if (url.pathname.startsWith("/platform_api")) {
          const body = req.method === "POST" ? await readBody(req) : "";
          const call = apiCallOf(req, url, body);
          if (!call) throw new HttpError(404, 404, "no such API path");
          const out = handleApi(world, call);
          return sendApi(res, out.status, out.body);
        }
        if (url.pathname.startsWith("/sim/")) return await handleControl(api, req, res, url);
        if (url.pathname.startsWith("/vox/sessions/")) return await accessRequest(req, res, url);
        throw new HttpError(404, 404, "not found");
      } catch (err) {
        const e = err instanceof HttpError ? err : new HttpError(500, 500, "internal error");
        if (!(err instanceof HttpError)) log(`voximplant-sim request failed ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) sendJson(res, e.status, { error: e.message, status: e.status });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, host, () => resolve()));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}`;

  return {
    ...api,
    url: baseUrl,
    port,
    waitForCall(id, predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const report = calls.get(id)?.report();
          if (report && predicate(report)) {
            cleanup();
            resolve(report);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          const report = calls.get(id)?.report();
          reject(new Error(`call ${id} did not reach the expected state within ${timeoutMs} ms (status ${report?.status ?? "unknown"})`));
        }, timeoutMs);
        const poll = setInterval(check, 50);
        const cleanup = (): void => {
          clearTimeout(timer);
          clearInterval(poll);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    async close() {
      for (const session of sessions.values()) session.terminate("simulator-closed");
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
