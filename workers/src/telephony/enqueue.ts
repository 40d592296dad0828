// Status and AMD callbacks at the edge: verified and logged (twilio/webhook.ts), then only the log
// row's id goes on the telephony queue, and Twilio gets its 204 at once.
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { errorFields, log } from "../lib/log.ts";
import { telephonyProtocolVersion, telephonyQueue } from "./protocol.ts";
import { receiveTwilioWebhook } from "./twilio/webhook.ts";
import { markWebhookLog } from "./webhook-log.ts";

export async function enqueueTwilioCallback(c: Context<AppEnv>, kind: "status" | "amd", dedupeKey: (params: Record<string, string>) => string | null): Promise<Response> {
  const accepted = await receiveTwilioWebhook(c, kind, c.req.param("connectionId") ?? "", dedupeKey);
  await accepted.logged;
  try {
    await telephonyQueue(c.env).send({ v: telephonyProtocolVersion, kind: kind === "status" ? "twilio.status" : "twilio.amd", logId: accepted.logId }, { contentType: "json" });
  } catch (err) {
    // Twilio retries a callback that failed; the row says why this one was not processed.
    await markWebhookLog(c.get("db"), accepted.logId, { outcome: "failed", detail: "not queued", routing: `nowhere: the ${kind} queue refused it` });
    log.error("telephony: callback not queued", { requestId: c.get("requestId"), logId: accepted.logId, ...errorFields(err) });
    throw err;
  }
  return c.body(null, 204);
}
