// Call events of the VoxEngine scenario: authenticated, logged (kind status, deduplicated on the
// VoxImplant session, event and sequence number) and queued; the telephony consumer applies them
// to the session like Twilio's status callbacks (telephony/voximplant/events.ts).
import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import { and, eq, ne } from "drizzle-orm";
import { inboundWebhookLog } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { errorFields, log } from "../lib/log.ts";
import { telephonyProtocolVersion, telephonyQueue } from "../telephony/protocol.ts";
import { CallEventRequest, receiveScenarioRequest } from "../telephony/voximplant/edge.ts";
import { markWebhookLog } from "../telephony/webhook-log.ts";
import { VoximplantScenarioParams, voximplantScenarioErrors } from "./telephony-voximplant-calls.ts";

export function registerTelephonyVoximplantEvents(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/telephony/voximplant/{connectionId}/events",
    tags: ["telephony"],
    summary: "A call event of the VoxEngine scenario (queued, then applied to the call's session)",
    description:
      "Called by the connection's VoxEngine scenario (`Authorization: Bearer <scenario secret>`): `{v, seq, callId, sessionHistoryId, sessionId, event: ringing|connected|disconnected|failed|transferred, sipCode?, reason?, durationS?, at}`. Logged and queued; a repeated event (same VoxImplant session, event and seq) changes nothing.",
    request: { params: VoximplantScenarioParams, body: { required: true, content: { "application/json": { schema: z.object({}).passthrough() } } } },
    responses: { 204: { description: "Logged and queued" }, ...voximplantScenarioErrors },
  });
  app.post("/telephony/voximplant/:connectionId/events", async (c) => {
    const dedupeKey = (b: CallEventRequest) => `${b.sessionHistoryId}:${b.event}:${b.seq}`;
    const accepted = await receiveScenarioRequest(c, "status", CallEventRequest, dedupeKey);
    const db = c.get("db");
    // A retried event was queued the first time: it is logged, not queued again.
    const [earlier] = await db
      .select({ id: inboundWebhookLog.id })
      .from(inboundWebhookLog)
      .where(and(eq(inboundWebhookLog.dedupeKey, dedupeKey(accepted.body)), eq(inboundWebhookLog.connectionId, accepted.connection.id), eq(inboundWebhookLog.signatureValid, true), ne(inboundWebhookLog.id, accepted.logId), ne(inboundWebhookLog.outcome, "failed")))
      .limit(1);
    if (earlier) {
      await markWebhookLog(db, accepted.logId, { outcome: "ignored", detail: "duplicate event", processed: true, routing: `nowhere: a duplicate of ${earlier.id}` });
      return c.body(null, 204);
    }
    try {
      await telephonyQueue(c.env).send({ v: telephonyProtocolVersion, kind: "voximplant.event", logId: accepted.logId }, { contentType: "json" });
    } catch (err) {
      await markWebhookLog(db, accepted.logId, { outcome: "failed", detail: "not queued", routing: "nowhere: the status queue refused it" });
      log.error("telephony: scenario event not queued", { requestId: c.get("requestId"), logId: accepted.logId, ...errorFields(err) });
      throw err;
    }
    return c.body(null, 204);
  });
}
