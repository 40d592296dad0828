// Turning an endpoint off because of what it did: it answered 410 Gone (`gone`), or every attempt
// has failed for longer than config.webhooks.disableAfterMs (`failing`). Its pending deliveries
// fail with it (re-enabling does not resend; replay does). For `failing` the space's Owners are
// emailed, once: the update only takes an endpoint that is still enabled, so two attempts failing
// together cannot both disable it and both mail.
import { and, eq, sql } from "drizzle-orm";
import { memberships, spaces, users, webhookDeliveries, webhookEndpoints, type Database } from "@speaknode/db";
import { enqueueEmail } from "../email/outbox.ts";
import { escapeHtml } from "../routes/invitations-mail.ts";

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** The outbox kind of the email to Owners; its ref is the endpoint id. */
export const endpointDisabledEmailKind = "webhooks.endpoint_disabled";

export interface DisableResult {
  /** false: the endpoint was already disabled (or gone), nothing changed. */
  disabled: boolean;
  failedDeliveries: number;
  emailIds: string[];
}

export async function disableEndpoint(
  tx: Tx | Database,
  input: { endpointId: string; reason: "gone" | "failing"; now: Date; publicUrl: string | undefined },
): Promise<DisableResult> {
  const { endpointId, reason, now } = input;
  const [endpoint] = await tx
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: reason, disabledAt: now, updatedAt: now })
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.enabled, true)))
    .returning({ spaceId: webhookEndpoints.spaceId, url: webhookEndpoints.url, description: webhookEndpoints.description, failingSince: webhookEndpoints.failingSince });
  if (!endpoint) return { disabled: false, failedDeliveries: 0, emailIds: [] };
  const failed = await tx
    .update(webhookDeliveries)
    .set({ status: "failed", nextAttemptAt: null, completedAt: now, updatedAt: now, lastError: `endpoint disabled (${reason})` })
    .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.status, "pending")))
    .returning({ id: webhookDeliveries.id });
  const emailIds = reason === "failing" ? await mailOwners(tx, endpoint, now, input.publicUrl) : [];
  return { disabled: true, failedDeliveries: failed.length, emailIds };
}

async function mailOwners(tx: Tx | Database, endpoint: { spaceId: string; url: string; description: string; failingSince: Date | null }, now: Date, publicUrl: string | undefined): Promise<string[]> {
  const [space] = await tx.select({ name: spaces.name }).from(spaces).where(eq(spaces.id, endpoint.spaceId));
  const owners = await tx
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.spaceId, endpoint.spaceId), eq(memberships.role, "owner")))
    .orderBy(sql`${users.email}`);
  const mail = disabledEmail(space?.name ?? "Your space", endpoint, publicUrl ? `${publicUrl}/app/spaces/${endpoint.spaceId}/webhooks` : undefined);
  const ids: string[] = [];
  // No ref: a ref makes a newer message replace a pending one, and each Owner gets their own.
  for (const owner of owners) ids.push(await enqueueEmail(tx as unknown as Database, { kind: endpointDisabledEmailKind, message: { to: owner.email, ...mail } }, now));
  return ids;
}

function disabledEmail(spaceName: string, endpoint: { url: string; description: string; failingSince: Date | null }, webhooksUrl: string | undefined) {
  const since = endpoint.failingSince ? endpoint.failingSince.toISOString().replace("T", " ").slice(0, 16) + " UTC" : "several days";
  const label = endpoint.description ? `${endpoint.description} (${endpoint.url})` : endpoint.url;
  const subject = `A webhook endpoint of ${spaceName} was disabled`;
  const lines = [
    `The webhook endpoint ${label} of the space "${spaceName}" has failed every delivery since ${since}, so it was disabled and its pending deliveries were marked failed.`,
    "Once it answers again, enable it on the Webhooks page; failed deliveries can be replayed from there.",
    ...(webhooksUrl ? ["", `Webhooks: ${webhooksUrl}`] : []),
  ];
  const html =
    `<p>The webhook endpoint <b>${escapeHtml(label)}</b> of the space <b>${escapeHtml(spaceName)}</b> has failed every delivery since ${escapeHtml(since)}, so it was disabled and its pending deliveries were marked failed.</p>` +
    `<p>Once it answers again, enable it on the Webhooks page; failed deliveries can be replayed from there.</p>` +
    (webhooksUrl ? `<p><a href="${escapeHtml(webhooksUrl)}">Open Webhooks</a></p>` : "");
  return { subject, text: lines.join("\n"), html };
}
