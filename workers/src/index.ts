import { createApp } from "./app.ts";
import { handleAgentTestsBatch, isAgentTestsQueue } from "./agent-tests/consumer.ts";
import { runScheduledTestRunSweep } from "./agent-tests/sweep.ts";
import { handleAnalysisBatch, isAnalysisQueue } from "./analysis/consumer.ts";
import { runScheduledAnalysisSweep } from "./analysis/sweep.ts";
import { runScheduledRefresh } from "./analytics/background.ts";
import { runScheduledDelivery } from "./email/delivery.ts";
import { runScheduledStatements } from "./billing/ledger/scheduled.ts";
import { handleBillingBatch } from "./billing/lago/consumer.ts";
import { runScheduledLagoSweep } from "./billing/lago/sweep.ts";
import { isBillingQueue } from "./billing/protocol.ts";
import { handleTelemetryBatch, isTelemetryQueue } from "./telemetry/consumer.ts";
import { handleTelephonyBatch } from "./telephony/consumer.ts";
import { isTelephonyQueue } from "./telephony/protocol.ts";
import { handleWebhooksBatch } from "./webhooks/consumer.ts";
import { isWebhooksQueue } from "./webhooks/protocol.ts";
import { runScheduledWebhookSweep } from "./webhooks/sweep.ts";
import type { WorkerEnv } from "./env.ts";

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
    // Outbound webhooks: fan-out of domain events and delivery attempts (webhooks/consumer.ts).
    if (isWebhooksQueue(batch.queue)) return handleWebhooksBatch(batch, env, ctx);
    // Post-call analysis of finished sessions and its dead letters (analysis/consumer.ts).
    if (isAnalysisQueue(batch.queue)) return handleAnalysisBatch(batch, env, ctx);
    // Agent test runs and their dead letters (agent-tests/consumer.ts).
    if (isAgentTestsQueue(batch.queue)) return handleAgentTestsBatch(batch, env, ctx);
    throw new Error(`no consumer for queue ${batch.queue}`);
  },
  // The cron trigger in wrangler.toml: daily analytics for today and yesterday (analytics/background.ts),
  // the email outbox's due messages (email/delivery.ts) and, hourly, the local ledger's due statements
  // (billing/ledger/scheduled.ts), with Lago the usage events still unsent (billing/lago/sweep.ts), and
  // webhook events never fanned out or deliveries overdue (webhooks/sweep.ts), test runs left queued or
  // running (agent-tests/sweep.ts), analyses left pending (analysis/sweep.ts); one failing does not
  // stop the others.
  scheduled: async (controller, env) => {
    const at = new Date(controller.scheduledTime);
    const runs = await Promise.allSettled([runScheduledRefresh(env, at), runScheduledDelivery(env), runScheduledStatements(env, at), runScheduledLagoSweep(env, at), runScheduledWebhookSweep(env, at), runScheduledTestRunSweep(env, at), runScheduledAnalysisSweep(env, at)]);
    const failed = runs.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  },
} satisfies ExportedHandler<WorkerEnv>;
export { RateLimiter } from "../../durable-objects/rate-limiter/index.ts";
export { CampaignRunner } from "../../durable-objects/campaign-runner/index.ts";
