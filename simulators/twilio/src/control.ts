// The simulator's own control API, clearly apart from Twilio's: JSON, no auth, served only to
// 127.0.0.1, under /sim. It places inbound calls, configures the phones outbound calls reach, and
// reports what happened on each call.
//   POST /sim/calls {accountSid?, from, to, script?, callerName?} → 201 {callSid}
//   PUT  /sim/phones/{e164} {answer, script?, machineGreetingMs?, ringMs?} → 200 the behaviour
//   GET  /sim/phones/{e164}
//   GET  /sim/calls → {calls: CallReport[]};  GET /sim/calls/{sid} → CallReport
//   GET  /sim/calls/{sid}/agent.wav;  POST /sim/calls/{sid}/hangup → 200 CallReport
//   GET  /sim/dials[?to=e164] → {dials: DialStats[]};  GET/PUT /sim/config {createCallLatencyMs} (dials.ts)
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseConfig, type DialStats, type SimConfig } from "./dials.ts";
import { HttpError, readBody, sendJson } from "./http.ts";
import type { Answer, CallReport, PhoneBehaviour, ScriptStep } from "./model.ts";
import { e164 } from "./rest.ts";
import { validateScript } from "./script.ts";

export interface ControlApi {
  placeCall(input: { accountSid?: string; from: string; to: string; script?: ScriptStep[]; callerName?: string }): { callSid: string };
  setPhone(number: string, behaviour: PhoneBehaviour): void;
  phone(number: string): PhoneBehaviour | null;
  calls(): CallReport[];
  call(sid: string): CallReport | null;
  agentWav(sid: string): Buffer | null;
  hangup(sid: string): boolean;
  /** Create-call requests per destination (all, or the one `to`). */
  dials(to?: string | null): DialStats[];
  config(): SimConfig;
  setConfig(config: SimConfig): void;
}

const answers: Answer[] = ["human", "machine", "busy", "no-answer", "failed"];

async function json(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  try {
    const v: unknown = JSON.parse(text || "{}");
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 400, "body must be a JSON object");
}

function scriptOf(value: unknown): ScriptStep[] {
  const checked = validateScript(value);
  if ("error" in checked) throw new HttpError(400, 400, checked.error);
  return checked.steps;
}

function problem(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: err.message, status: err.status });
}

export async function handleControl(api: ControlApi, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const remote = req.socket.remoteAddress ?? "";
    if (!["127.0.0.1", "::1", "::ffff:127.0.0.1"].includes(remote)) throw new HttpError(403, 403, "the control API answers 127.0.0.1 only");
    const method = req.method ?? "GET";
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[1] === "dials" && parts.length === 2) {
      if (method !== "GET") throw new HttpError(405, 405, "method not allowed");
      return sendJson(res, 200, { dials: api.dials(url.searchParams.get("to")) });
    }
    if (parts[1] === "config" && parts.length === 2) {
      if (method === "GET") return sendJson(res, 200, api.config());
      if (method !== "PUT") throw new HttpError(405, 405, "method not allowed");
      const next = parseConfig(await json(req), api.config());
      if ("error" in next) throw new HttpError(400, 400, next.error);
      api.setConfig(next);
      return sendJson(res, 200, api.config());
    }
    if (parts[1] === "calls" && parts.length === 2) {
      if (method === "GET") {
        const to = url.searchParams.get("to");
        return sendJson(res, 200, { calls: to ? api.calls().filter((c) => c.to === to) : api.calls() });
      }
      if (method !== "POST") throw new HttpError(405, 405, "method not allowed");
      const body = await json(req);
      const { from, to, accountSid, callerName } = body;
      if (typeof from !== "string" || !e164.test(from)) throw new HttpError(400, 400, "from must be an E.164 number");
      if (typeof to !== "string" || !e164.test(to)) throw new HttpError(400, 400, "to must be an E.164 number");
      if (accountSid !== undefined && typeof accountSid !== "string") throw new HttpError(400, 400, "accountSid must be a string");
      if (callerName !== undefined && (typeof callerName !== "string" || callerName.length > 64)) throw new HttpError(400, 400, "callerName must be a string of at most 64 characters");
      const placed = api.placeCall({ from, to, script: scriptOf(body.script), ...(accountSid ? { accountSid } : {}), ...(callerName ? { callerName } : {}) });
      return sendJson(res, 201, placed);
    }
    if (parts[1] === "calls" && parts[2]) {
      const sid = parts[2];
      const report = api.call(sid);
      if (!report) throw new HttpError(404, 404, "no such call");
      if (parts.length === 3 && method === "GET") return sendJson(res, 200, report);
      if (parts[3] === "agent.wav" && parts.length === 4 && method === "GET") {
        const wav = api.agentWav(sid) ?? Buffer.alloc(0);
        res.writeHead(200, { "content-type": "audio/wav", "content-length": wav.length });
        return void res.end(wav);
      }
      if (parts[3] === "hangup" && parts.length === 4 && method === "POST") {
        api.hangup(sid);
        return sendJson(res, 200, api.call(sid));
      }
      throw new HttpError(404, 404, "no such route");
    }
    if (parts[1] === "phones" && parts[2] && parts.length === 3) {
      const number = parts[2];
      if (!e164.test(number)) throw new HttpError(400, 400, "the phone must be an E.164 number");
      if (method === "GET") return sendJson(res, 200, api.phone(number) ?? { answer: "human" });
      if (method !== "PUT") throw new HttpError(405, 405, "method not allowed");
      const body = await json(req);
      const answer = body.answer as Answer;
      if (!answers.includes(answer)) throw new HttpError(400, 400, `answer must be one of ${answers.join(", ")}`);
      const behaviour: PhoneBehaviour = { answer, script: scriptOf(body.script) };
      for (const key of ["machineGreetingMs", "ringMs"] as const) {
        const v = body[key];
        if (v === undefined) continue;
        if (typeof v !== "number" || v < 0 || v > 600_000) throw new HttpError(400, 400, `${key} must be 0..600000`);
        behaviour[key] = v;
      }
      api.setPhone(number, behaviour);
      return sendJson(res, 200, behaviour);
    }
    throw new HttpError(404, 404, "no such route");
  } catch (err) {
    if (err instanceof HttpError) return problem(res, err);
    throw err;
  }
}
