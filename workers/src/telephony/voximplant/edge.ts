// The scenario's requests at the edge (/calls and /events), received the same way: a bounded JSON
// body, the connection named in the path, `Authorization: Bearer <scenario secret>` compared in
// constant time, and the request stored in the inbound webhook log (provider voximplant, the bearer
// redacted) — refused ones too. A refused request answers 401 and says nothing about whether the
// connection exists. Bodies are the scenario's wire format (scenario.ts), parsed with zod.
import type { Context } from "hono";
import { z } from "zod";
import { idSchema, newId, text } from "@speaknode/contracts";
import type { AppEnv } from "../../context.ts";
import { ApiError, fieldErrorsFromZod } from "../../errors.ts";
import { errorFields, log } from "../../lib/log.ts";
import type { ConnectionRow } from "../connections.ts";
import { edgeConnection, edgeRequestLogFields } from "../edge-request.ts";
import { insertWebhookLog } from "../webhook-log.ts";
import { openVoximplantSecrets, scenarioSecretMatches } from "./credentials.ts";

export const scenarioBodyMaxBytes = 16 * 1024;

const historyId = text().regex(/^\d{1,20}$/, "must be VoxImplant's numeric session id");
const shortText = (max: number) => text().max(max);

export const InboundCallRequest = z.strictObject({
  v: z.literal(1),
  kind: z.literal("inbound").optional(),
  callId: shortText(100).min(1),
  sessionHistoryId: historyId,
  accessUrl: shortText(1000),
  from: shortText(100),
  to: shortText(100),
});
export const OutboundCallRequest = z.strictObject({
  v: z.literal(1),
  kind: z.literal("outbound"),
  sessionId: idSchema("session"),
  token: shortText(100),
  ringS: z.number().int().min(1).max(600),
  maxS: z.number().int().min(1).max(86_400),
  sessionHistoryId: historyId,
  accessUrl: shortText(1000),
});
export const CallRequest = z.union([OutboundCallRequest, InboundCallRequest]);
export type CallRequest = z.infer<typeof CallRequest>;

export const voximplantEvents = ["ringing", "connected", "disconnected", "failed", "transferred"] as const;
export const CallEventRequest = z.strictObject({
  v: z.literal(1),
  seq: z.number().int().min(1).max(1_000_000),
  callId: shortText(100),
  sessionHistoryId: historyId,
  sessionId: idSchema("session").nullable(),
  event: z.enum(voximplantEvents),
  sipCode: z.number().int().min(0).max(999).optional(),
  reason: shortText(200).optional(),
  durationS: z.number().int().min(0).max(1_000_000).optional(),
  at: shortText(40),
});
export type CallEventRequest = z.infer<typeof CallEventRequest>;

/** The body's fields as the log's string params (numbers written out). */
export const paramsOf = (body: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(body).flatMap(([k, v]) => (v === undefined || v === null ? [] : [[k, String(v)]])));

export interface AcceptedScenarioRequest<T> {
  connection: ConnectionRow;
  body: T;
  logId: string;
}

async function readJson(c: Context<AppEnv>): Promise<unknown> {
  if (!/^application\/json\s*(;|$)/i.test(c.req.header("content-type") ?? "")) throw new ApiError("unsupported_media_type", "the body must be application/json");
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > scenarioBodyMaxBytes) throw new ApiError("payload_too_large", `the body is larger than ${scenarioBodyMaxBytes / 1024} KiB`);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new ApiError("malformed_request", "the body is not JSON");
  }
}

async function secretMatches(c: Context<AppEnv>, connection: ConnectionRow): Promise<boolean> {
  const sent = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
  try {
    return scenarioSecretMatches(sent, (await openVoximplantSecrets(c.get("config").secretsKey, connection)).scenarioSecret);
  } catch (err) {
    log.error("telephony: connection credentials do not open", { requestId: c.get("requestId"), connectionId: connection.id, ...errorFields(err) });
    return false;
  }
}

/**
 * The request, authenticated, validated and logged. A wrong or missing secret is 401 (logged as
 * refused); a body that is not the scenario's format is 400 problem+json (logged as refused with
 * the reason). `dedupeKey` names the event for replays.
 */
export async function receiveScenarioRequest<T extends z.ZodType>(c: Context<AppEnv>, kind: "voice" | "status", schema: T, dedupeKey: (body: z.infer<T>) => string): Promise<AcceptedScenarioRequest<z.infer<T>>> {
  const connectionId = c.req.param("connectionId") ?? "";
  const raw = await readJson(c);
  const connection = await edgeConnection(c, connectionId, "voximplant");
  const valid = connection ? await secretMatches(c, connection) : false;
  const parsed = schema.safeParse(raw);
  const params = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? paramsOf(raw as Record<string, unknown>) : {};
  // The outbound call token is a credential too.
  if ("token" in params) params["token"] = "[redacted]";
  const logId = newId("webhookLog");
  const accepted = valid && parsed.success;
  await insertWebhookLog(c.get("db"), {
    id: logId,
    provider: "voximplant",
    kind,
    ...edgeRequestLogFields(c, connection),
    params: Object.fromEntries(Object.entries(params).slice(0, 50)),
    signatureValid: valid,
    outcome: accepted ? "accepted" : "refused",
    ...(accepted ? { dedupeKey: dedupeKey(parsed.data) } : { detail: !connection ? "unknown connection" : !valid ? "scenario secret does not match" : "not the scenario's request format" }),
    // Events go on the telephony queue; a call request's routing is its answer (the route marks it).
    routing: !connection ? "no connection for this URL" : !valid ? "nowhere: the scenario secret does not match" : !parsed.success ? "nowhere: not the scenario's request format" : kind === "status" ? "status queue" : null,
  });
  if (!connection || !valid) {
    log.warn("telephony: scenario request refused", { requestId: c.get("requestId"), kind, logId, knownConnection: connection !== undefined });
    throw new ApiError("unauthorized", "the request does not carry this connection's scenario secret");
  }
  if (!parsed.success) throw new ApiError("validation_failed", "the body is not a request of the Speaknode scenario", { errors: fieldErrorsFromZod(parsed.error, "body") });
  return { connection, body: parsed.data, logId };
}
