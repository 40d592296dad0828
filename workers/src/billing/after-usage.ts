// What follows a recorded usage row, after its transaction committed (the SessionRoom runs it in
// waitUntil): the usage alerts it may have triggered, delivered at once when possible (the cron's
// outbox drain retries), their webhook events announced, and with the Lago driver the usage
// message on the billing queue (the consumer sends Lago the event; the sweep re-enqueues what
// never got there). It never throws:
// the session's end is written whatever happens here, and it logs without personal data.
import { announceDomainEvents, createDatabase } from "@speaknode/db";
import { readConfig, type Config } from "../config.ts";
import { deliverOutbox } from "../email/delivery.ts";
import { errorFields, log } from "../lib/log.ts";
import { sendDueUsageAlerts } from "./alerts.ts";
import { billingQueueBinding } from "./protocol.ts";
import type { BillingUsageMessage } from "./protocol.ts";
import type { UsageRow } from "./usage.ts";
import type { WorkerEnv } from "../env.ts";

export async function afterUsageRecorded(env: WorkerEnv, usage: UsageRow): Promise<void> {
  let config: Config;
  try {
    config = readConfig(env);
  } catch (err) {
    log.error("billing after usage: configuration unreadable", { sessionId: usage.sessionId, ...errorFields(err) });
    return;
  }
  await Promise.all([alerts(env, config, usage), enqueueForLago(env, config.billing.driver.name, usage)]);
}

async function alerts(env: WorkerEnv, config: Config, usage: UsageRow): Promise<void> {
  try {
    const handle = createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 1 });
    let emailIds: string[] = [];
    let eventIds: (string | null)[] = [];
    try {
      const sent = await sendDueUsageAlerts(handle.db, usage, { publicUrl: config.publicUrl });
      for (const a of sent) log.info("billing usage alert sent", { spaceId: usage.spaceId, thresholdPercent: a.thresholdPercent, eventId: a.eventId, emails: a.emailIds.length });
      emailIds = sent.flatMap((a) => a.emailIds);
      eventIds = sent.map((a) => a.eventId);
    } finally {
      await handle.close().catch(() => undefined);
    }
    await announceDomainEvents(env, eventIds);
    if (emailIds.length > 0) await deliverOutbox(env, { ids: emailIds });
  } catch (err) {
    // The alert is checked again on the space's next recorded session; email retries are the cron's.
    log.error("billing usage alerts failed", { sessionId: usage.sessionId, spaceId: usage.spaceId, ...errorFields(err) });
  }
}

async function enqueueForLago(env: WorkerEnv, driver: "ledger" | "lago", usage: UsageRow): Promise<void> {
  if (driver !== "lago") return;
  const queue = env[billingQueueBinding] as Queue<BillingUsageMessage> | undefined;
  if (!queue || typeof queue.send !== "function") {
    log.warn("billing queue binding missing: the usage waits for the sweep", { sessionId: usage.sessionId, binding: billingQueueBinding });
    return;
  }
  try {
    const message: BillingUsageMessage = { kind: "usage", sessionId: usage.sessionId };
    await queue.send(message, { contentType: "json" });
  } catch (err) {
    log.error("billing usage message not queued; the sweep re-enqueues it", { sessionId: usage.sessionId, ...errorFields(err) });
  }
}
