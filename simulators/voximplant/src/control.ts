// The simulator's own control API (not VoxImplant's): JSON, no auth, 127.0.0.1 only, under /sim.
//   PUT  /sim/applications/<id>/scenario   raw JavaScript (as pasted into the control panel) → 200 {applicationId, bytes}
//   POST /sim/calls {from, to, script?, callerName?} → 201 {callId, sessionId}; 404 unknown / unbound number
//   PUT  /sim/phones/<e164> {answer: human|busy|no-answer, script?, ringMs?, ringTimeoutMs?} → 200 the behaviour
//   GET  /sim/phones/<e164>
//   GET  /sim/calls[?to=<e164>] → {calls};  GET /sim/calls/<id> → CallReport;  GET /sim/calls/<id>/agent.wav
//   POST /sim/calls/<id>/hangup → the person on the line hangs up
//   GET  /sim/sessions/<id> → SessionReport
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { HttpError, readBody, sendJson } from "../../twilio/src/http.ts";
import type { ScriptStep } from "../../twilio/src/model.ts";
import { validateScript } from "../../twilio/src/script.ts";
import type { CallReport, PhoneBehaviour, SessionReport } from "./model.ts";

export interface ControlApi {
  setScenario(applicationId: number, code: string): void;
  placeCall(input: { from: string; to: string; script: ScriptStep[]; callerName?: string }): { callId: string; sessionId: number };
  setPhone(number: string, behaviour: PhoneBehaviour): void;
  phone(number: string): PhoneBehaviour | null;
  calls(): CallReport[];
  call(id: string): CallReport | null;
  session(id: number): SessionReport | null;
  agentWav(id: string): Buffer | null;
  hangup(id: string): boolean;
}

const e164 = z.string().regex(/^\+\d{6,15}$/, "must be E.164, e.g. +15555550100");
const placeBody = z.object({ from: e164, to: e164, script: z.unknown().optional(), callerName: z.string().max(64).optional() });
const phoneBody = z.object({
  answer: z.enum(["human", "busy", "no-answer"]),
  script: z.unknown().optional(),
  ringMs: z.number().int().min(0).max(120_000).optional(),
  ringTimeoutMs: z.number().int().min(0).max(600_000).optional(),
});

function parse<T>(schema: z.ZodType<T>, text: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text || "{}");
  } catch {
    throw new HttpError(400, 400, "body must be JSON");
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, 400, r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
  return r.data;
}

function scriptOf(value: unknown): ScriptStep[] {
  const checked = validateScript(value);
  if ("error" in checked) throw new HttpError(400, 400, checked.error);
  return checked.steps;
}

export async function handleControl(api: ControlApi, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const remote = req.socket.remoteAddress ?? "";
    if (!["127.0.0.1", "::1", "::ffff:127.0.0.1"].includes(remote)) throw new HttpError(403, 403, "the control API answers 127.0.0.1 only");
    const method = req.method ?? "GET";
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const [, kind, id, sub] = parts;
    if (kind === "applications" && id && sub === "scenario" && parts.length === 4 && method === "PUT") {
      const appId = /^\d{1,15}$/.test(id) ? Number(id) : NaN;
      const code = await readBody(req);
      api.setScenario(appId, code);
      return sendJson(res, 200, { applicationId: appId, bytes: Buffer.byteLength(code) });
    }
    if (kind === "phones" && id && parts.length === 3) {
      if (!/^\+\d{6,15}$/.test(id)) throw new HttpError(400, 400, "the phone must be E.164");
      if (method === "PUT") {
        const body = parse(phoneBody, await readBody(req));
        const behaviour: PhoneBehaviour = { answer: body.answer, script: scriptOf(body.script), ...(body.ringMs !== undefined ? { ringMs: body.ringMs } : {}), ...(body.ringTimeoutMs !== undefined ? { ringTimeoutMs: body.ringTimeoutMs } : {}) };
        api.setPhone(id, behaviour);
        return sendJson(res, 200, behaviour);
      }
      if (method === "GET") return sendJson(res, 200, api.phone(id) ?? { answer: "human", script: [], ringMs: 1000 });
    }
    if (kind === "calls" && parts.length === 2) {
      if (method === "POST") {
        const body = parse(placeBody, await readBody(req));
        const placed = api.placeCall({ from: body.from, to: body.to, script: scriptOf(body.script), ...(body.callerName ? { callerName: body.callerName } : {}) });
        return sendJson(res, 201, placed);
      }
      if (method === "GET") {
        const to = url.searchParams.get("to");
        return sendJson(res, 200, { calls: api.calls().filter((c) => !to || c.to === to) });
      }
    }
    if (kind === "calls" && id && parts.length === 3 && method === "GET") {
      const report = api.call(id);
      if (!report) throw new HttpError(404, 404, "no such call");
      return sendJson(res, 200, report);
    }
    if (kind === "calls" && id && sub === "agent.wav" && parts.length === 4 && method === "GET") {
      const wav = api.agentWav(id);
      if (!wav) throw new HttpError(404, 404, "no such call");
      res.writeHead(200, { "content-type": "audio/wav", "content-length": wav.length });
      res.end(wav);
      return;
    }
    if (kind === "calls" && id && sub === "hangup" && parts.length === 4 && method === "POST") {
      if (!api.hangup(id)) throw new HttpError(404, 404, "no such call");
      return sendJson(res, 200, api.call(id));
    }
    if (kind === "sessions" && id && parts.length === 3 && method === "GET") {
      const report = /^\d+$/.test(id) ? api.session(Number(id)) : null;
      if (!report) throw new HttpError(404, 404, "no such session");
      return sendJson(res, 200, report);
    }
    throw new HttpError(404, 404, "no such control route");
  } catch (err) {
    const e = err instanceof HttpError ? err : new HttpError(400, 400, err instanceof Error ? err.message : String(err));
    sendJson(res, e.status, { error: e.message, status: e.status });
  }
}
