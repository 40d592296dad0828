// A space's webhook endpoints: create (a new `whsec_` secret, answered once), change, rotate the
// secret and delete. The URL passes the SSRF policy when saved (and again at every attempt, in
// deliver.ts). Custom headers are secrets: sealed for the endpoint at its URL's origin, never
// returned, and never sent anywhere else — so a new origin needs them given again.
import type { Context } from "hono";
import { and, eq, sql } from "drizzle-orm";
import { checkOutboundUrl, type OutboundOptions } from "@speaknode/ssrf";
import { isReservedWebhookHeader, newId, type SpaceRole, type WebhookEndpointCreate, type WebhookEndpointUpdate } from "@speaknode/contracts";
import { webhookEndpoints, type Database } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import type { Config } from "../config.ts";
import { requireSpace } from "../auth/access.ts";
import { ApiError, notFound } from "../errors.ts";
import { generateWebhookSecret, sealHeaders, sealSecret } from "./secrets.ts";
import type { EndpointRow } from "./serialize.ts";

export const endpointResource = "webhook endpoint";

export interface EndpointDeps {
  db: Database;
  config: Pick<Config, "secretsKey" | "webhooks">;
}

/** Loopback and plain http only on a development platform (the local /dev/webhook-inbox). */
export function endpointUrlPolicy(webhooks: Config["webhooks"]): OutboundOptions {
  return { allowLoopback: webhooks.allowLoopback, allowHttp: webhooks.allowLoopback };
}

const invalid = (detail: string, field: string, message: string) => new ApiError("validation_failed", detail, { errors: [{ field, message }] });

/** The URL as it will be stored (normalised), or a validation failure naming why it is refused. */
export function vetEndpointUrl(raw: string, webhooks: Config["webhooks"]): string {
  const check = checkOutboundUrl(raw, endpointUrlPolicy(webhooks));
  if (!check.ok) throw invalid(`the URL is not a destination webhooks may be sent to: it ${check.reason}`, "body.url", check.reason);
  if (check.url.hash !== "") throw invalid("the URL is not valid", "body.url", "must not carry a fragment");
  // Normalising percent-encodes, so the stored form can outgrow the column the raw text fitted.
  if (check.url.href.length > 2000) throw invalid("the URL is not valid", "body.url", "is longer than 2000 characters once normalised");
  return check.url.href;
}

/** Refuses names a delivery sets itself, names given twice (headers ignore case) and values a request cannot carry. */
export function vetCustomHeaders(headers: Record<string, string>): void {
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    const field = `body.headers.${name}`;
    if (isReservedWebhookHeader(name)) {
      throw invalid(`the custom header ${name} is set by every delivery and cannot be replaced`, field, "is a header every delivery sets itself (webhook-*, speaknode-*, content-type, user-agent, host, content-length and connection headers)");
    }
    if (seen.has(lower)) throw invalid(`the custom header ${name} is given twice`, field, "is given twice (header names ignore case)");
    seen.add(lower);
    try {
      new Headers([[name, value]]);
    } catch {
      throw invalid(`the custom header ${name} has a value a request cannot carry`, field, "must not contain line breaks or control characters");
    }
  }
}

/** The endpoint of this space, to Members (reading) or Owners (changing); another space's id is a made-up id's 404. */
export async function loadEndpoint(c: Context<AppEnv>, spaceId: string, endpointId: string, need: SpaceRole = "member"): Promise<EndpointRow> {
  await requireSpace(c, spaceId, need, endpointResource);
  const [row] = await c.get("db").select().from(webhookEndpoints).where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.spaceId, spaceId)));
  if (!row) throw notFound(endpointResource);
  return row;
}

/** A new endpoint and its secret (the only time the secret is in the clear outside a delivery). */
export async function createEndpoint(deps: EndpointDeps, spaceId: string, body: WebhookEndpointCreate): Promise<{ row: EndpointRow; secret: string }> {
  const url = vetEndpointUrl(body.url, deps.config.webhooks);
  if (body.headers) vetCustomHeaders(body.headers);
  const id = newId("webhookEndpoint");
  const secret = generateWebhookSecret();
  const hasHeaders = body.headers !== undefined && Object.keys(body.headers).length > 0;
  const [row] = await deps.db
    .insert(webhookEndpoints)
    .values({
      id,
      spaceId,
      url,
      description: body.description,
      eventTypes: body.eventTypes,
      enabled: body.enabled,
      disabledReason: body.enabled ? null : "manual",
      disabledAt: body.enabled ? null : new Date(),
      secret: await sealSecret(deps.config.secretsKey, id, secret),
      customHeaders: hasHeaders && body.headers ? await sealHeaders(deps.config.secretsKey, id, url, body.headers) : null,
      customHeaderNames: hasHeaders && body.headers ? Object.keys(body.headers) : [],
    })
    .returning();
  if (!row) throw new Error("inserting a webhook endpoint returned no row");
  return { row, secret };
}

const originOf = (url: string) => new URL(url).origin;

/** Applies a PATCH. Re-enabling clears the disabled state and the failing streak; it sends nothing (replay does). */
export async function updateEndpoint(deps: EndpointDeps, row: EndpointRow, patch: WebhookEndpointUpdate): Promise<EndpointRow> {
  const url = patch.url !== undefined ? vetEndpointUrl(patch.url, deps.config.webhooks) : row.url;
  if (patch.headers) vetCustomHeaders(patch.headers);
  if (row.customHeaders !== null && patch.headers === undefined && originOf(url) !== originOf(row.url)) {
    throw invalid(
      `custom headers are bound to the origin they were given for (${originOf(row.url)}): give them again for ${originOf(url)} in "headers", or drop them with "headers": null`,
      "body.headers",
      "must be given again (or null) when the URL moves to another origin",
    );
  }
  const set: Partial<typeof webhookEndpoints.$inferInsert> = { updatedAt: new Date() };
  if (patch.url !== undefined) set.url = url;
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.eventTypes !== undefined) set.eventTypes = patch.eventTypes;
  if (patch.headers === null || (patch.headers && Object.keys(patch.headers).length === 0)) {
    set.customHeaders = null;
    set.customHeaderNames = [];
  } else if (patch.headers) {
    set.customHeaders = await sealHeaders(deps.config.secretsKey, row.id, url, patch.headers);
    set.customHeaderNames = Object.keys(patch.headers);
  }
  if (patch.enabled === true && !row.enabled) Object.assign(set, { enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
  if (patch.enabled === false && row.enabled) Object.assign(set, { enabled: false, disabledReason: "manual", disabledAt: new Date() });
  const [updated] = await deps.db.update(webhookEndpoints).set(set).where(eq(webhookEndpoints.id, row.id)).returning();
  if (!updated) throw notFound(endpointResource); // deleted meanwhile
  return updated;
}

/**
 * A new secret; the previous one keeps signing too (a second `v1,` signature) for `overlapHours`,
 * so receivers can switch without a gap. One statement: the old ciphertext moves as it is (both
 * are bound to the same endpoint id).
 */
export async function rotateEndpointSecret(deps: EndpointDeps, row: EndpointRow, overlapHours: number, now = new Date()): Promise<{ row: EndpointRow; secret: string }> {
  const secret = generateWebhookSecret();
  const sealed = await sealSecret(deps.config.secretsKey, row.id, secret);
  const overlap = overlapHours > 0;
  const [updated] = await deps.db
    .update(webhookEndpoints)
    .set({
      secret: sealed,
      previousSecret: overlap ? sql`${webhookEndpoints.secret}` : null,
      previousSecretExpiresAt: overlap ? new Date(now.getTime() + overlapHours * 3_600_000) : null,
      updatedAt: now,
    })
    .where(eq(webhookEndpoints.id, row.id))
    .returning();
  if (!updated) throw notFound(endpointResource);
  return { row: updated, secret };
}

/** Deletes the endpoint; its deliveries and attempts go with it (queued attempts find nothing and end). */
export async function deleteEndpoint(db: Database, row: EndpointRow): Promise<void> {
  const [deleted] = await db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, row.id)).returning({ id: webhookEndpoints.id });
  if (!deleted) throw notFound(endpointResource);
}
