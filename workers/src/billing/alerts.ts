// Usage alerts: when a space's recorded usage reaches 80 % and then 100 % of its plan's included
// minutes in a period, each Owner gets an email (through the outbox) and a webhook event
// `billing.usage_threshold` is written (the caller announces it after the commit). Each threshold
// fires once per space and period: the usage_alerts row (its primary key) is claimed in the
// transaction that writes the event and the emails, so concurrent session ends cannot send one twice.
import { and, eq, sql } from "drizzle-orm";
import type { UsageThresholdEvent } from "@speaknode/contracts";
import { memberships, spaces, usageAlerts, users, type Database } from "@speaknode/db";
import { enqueueEmail } from "../email/outbox.ts";
import { escapeHtml } from "../routes/invitations-mail.ts";
import { emitEvent, eventKeys } from "../webhooks/events/emit.ts";
import { planById, type PlanRow } from "./plans.ts";
import { usedSecondsInPeriod, type UsageRow } from "./usage.ts";

export const usageThresholds = [80, 100] as const;
export type UsageThreshold = (typeof usageThresholds)[number];

/** The outbox kind of an alert email; its ref is `<spaceId>:<periodStart ms>:<threshold>`. */
export const usageAlertEmailKind = "billing.usage_alert";
export const usageThresholdEventType = "billing.usage_threshold" as const;

export interface SentAlert {
  thresholdPercent: UsageThreshold;
  /** The webhook event (announce it after the commit); null when its key was emitted before. */
  eventId: string | null;
  emailIds: string[];
}

/** Thresholds the used seconds have reached (included > 0). */
export function thresholdsReached(usedSeconds: number, includedSeconds: number): UsageThreshold[] {
  if (includedSeconds <= 0) return [];
  return usageThresholds.filter((t) => usedSeconds * 100 >= includedSeconds * t);
}

function minutesText(seconds: number): string {
  const m = seconds / 60;
  return Number.isInteger(m) ? String(m) : m.toFixed(1);
}

function alertEmail(spaceName: string, plan: PlanRow, threshold: UsageThreshold, usedSeconds: number, periodStart: Date, billingUrl: string | undefined) {
  const used = minutesText(usedSeconds);
  const subject =
    threshold === 100 ? `${spaceName} has used all ${plan.includedMinutes} included voice minutes` : `${spaceName} has used ${threshold}% of its included voice minutes`;
  const after =
    threshold < 100
      ? "Nothing changes yet."
      : plan.overagePricePerMinute === null
        ? "Calls in progress run to their end, but no new session can start until the next period unless the space changes plan."
        : `Further minutes are billed at ${plan.overagePricePerMinute} ${plan.currency} per minute.`;
  const period = periodStart.toISOString().slice(0, 10);
  const lines = [
    `The space "${spaceName}" has used ${used} of the ${plan.includedMinutes} voice minutes its ${plan.name} plan includes in the period that started ${period}.`,
    after,
    ...(billingUrl ? ["", `Billing: ${billingUrl}`] : []),
  ];
  const html =
    `<p>The space <b>${escapeHtml(spaceName)}</b> has used ${escapeHtml(used)} of the ${plan.includedMinutes} voice minutes its ${escapeHtml(plan.name)} plan includes in the period that started ${period}.</p>` +
    `<p>${escapeHtml(after)}</p>` +
    (billingUrl ? `<p><a href="${escapeHtml(billingUrl)}">Open Billing</a></p>` : "");
  return { subject, text: lines.join("\n"), html };
}

/**
 * Sends the alerts the space's usage in the period of `usage` has newly reached: returns them
 * (empty when none is due or each was sent before). `publicUrl`: where the dashboard is, for the link.
 */
export async function sendDueUsageAlerts(db: Database, usage: Pick<UsageRow, "spaceId" | "planId" | "periodStart">, opts: { publicUrl?: string | undefined; now?: Date } = {}): Promise<SentAlert[]> {
  const plan = await planById(db, usage.planId);
  if (!plan || plan.includedMinutes <= 0) return [];
  const includedSeconds = plan.includedMinutes * 60;
  const usedSeconds = await usedSecondsInPeriod(db, usage.spaceId, usage.periodStart);
  const due = thresholdsReached(usedSeconds, includedSeconds);
  if (due.length === 0) return [];
  const at = opts.now ?? new Date();
  return db.transaction(async (tx) => {
    const sent: SentAlert[] = [];
    for (const threshold of due) {
      const claimed = await tx
        .insert(usageAlerts)
        .values({ spaceId: usage.spaceId, periodStart: usage.periodStart, thresholdPercent: threshold, usedSeconds, includedSeconds })
        .onConflictDoNothing()
        .returning({ spaceId: usageAlerts.spaceId });
      if (claimed.length === 0) continue;
      const data: UsageThresholdEvent = {
        thresholdPercent: threshold,
        periodStart: usage.periodStart.toISOString(),
        usedMinutes: Math.round((usedSeconds / 60) * 100) / 100,
        includedMinutes: plan.includedMinutes,
      };
      // Keyed too: the claim above already makes it once per threshold, the key says so to the outbox.
      const eventId = await emitEvent(tx, usage.spaceId, usageThresholdEventType, data, eventKeys.usageThreshold(usage.spaceId, usage.periodStart, threshold));
      const [space] = await tx.select({ name: spaces.name }).from(spaces).where(eq(spaces.id, usage.spaceId));
      const owners = await tx
        .select({ email: users.email })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.spaceId, usage.spaceId), eq(memberships.role, "owner")))
        .orderBy(sql`${users.email}`);
      const mail = alertEmail(space?.name ?? "Your space", plan, threshold, usedSeconds, usage.periodStart, opts.publicUrl ? `${opts.publicUrl}/billing` : undefined);
      const emailIds: string[] = [];
      for (const owner of owners) {
        // No ref: a ref makes a newer message replace a pending one, and each Owner gets their own.
        // enqueueEmail is typed for a database; a transaction runs the same queries.
        emailIds.push(await enqueueEmail(tx as unknown as Database, { kind: usageAlertEmailKind, message: { to: owner.email, ...mail } }, at));
      }
      sent.push({ thresholdPercent: threshold, eventId, emailIds });
    }
    return sent;
  });
}
