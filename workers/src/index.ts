import { createApp } from "./app.ts";
import { runScheduledRefresh } from "./analytics/background.ts";
import { runScheduledDelivery } from "./email/delivery.ts";
import { runScheduledStatements } from "./billing/ledger/scheduled.ts";
import { handleBillingBatch } from "./billing/lago/consumer.ts";
import { runScheduledLagoSweep } from "./billing/lago/sweep.ts";
import { isBillingQueue } from "./billing/protocol.ts";
import { handleTelemetryBatch, isTelemetryQueue } from "./telemetry/consumer.ts";
import { handleTelephonyBatch } from "./telephony/consumer.ts";
import { isTelephonyQueue } from "./telephony/protocol.ts";

// The room with billing on its terminal write (billing/session-room.ts extends the Durable Object).
export { SessionRoom } from "./billing/session-room.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  // Queue consumers, by queue: the telemetry queue and its dead letters (telemetry/consumer.ts), the
  // telephony queue and its dead letters (telephony/consumer.ts).
  queue: async (batch, env, ctx) => {
    if (isTelemetryQueue(batch.queue)) return handleTelemetryBatch(batch, env, ctx);
    if (isTelephonyQueue(batch.queue)) return handleTelephonyBatch(batch, env, ctx);
    // Usage events to Lago (billing/lago/consumer.ts).
    if (isBillingQueue(batch.queue)) return handleBillingBatch(batch, env, ctx);
    throw new Error(`no consumer for queue ${batch.queue}`);
  },
  // The cron trigger in wrangler.toml: daily analytics for today and yesterday (analytics/background.ts),
  // the email outbox's due messages (email/delivery.ts) and, hourly, the local ledger's due statements
  // (billing/ledger/scheduled.ts), and with Lago the usage events still unsent (billing/lago/sweep.ts);
  // one failing does not stop the others.
  scheduled: async (controller, env) => {
    const at = new Date(controller.scheduledTime);
    const runs = await Promise.allSettled([runScheduledRefresh(env, at), runScheduledDelivery(env), runScheduledStatements(env, at), runScheduledLagoSweep(env, at)]);
    const failed = runs.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  },
} satisfies ExportedHandler<Record<string, unknown>>;
export { RateLimiter } from "../../durable-objects/rate-limiter/index.ts";
export { CampaignRunner } from "../../durable-objects/campaign-runner/index.ts";
