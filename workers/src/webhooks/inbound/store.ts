// A space's inbound routes: saving them (what each action needs, checked against the space: its
// agent, campaign and number; the mapping's variables against the agent's schema), their secrets
// (generated when not given, sealed bound to the route id, answered once) and their API shape.
import type { Context } from "hono";
import { and, asc, eq } from "drizzle-orm";
import { newId, type FieldError, type InboundMapping, type InboundRoute, type InboundRouteAction, type InboundRouteCreate, type InboundRouteUpdate, type InboundVerification } from "@speaknode/contracts";
import { inboundRoutes, type Database } from "@speaknode/db";
import { standardWebhooksKey } from "@speaknode/signing";
import type { Config } from "../../config.ts";
import type { AppEnv } from "../../context.ts";
import { requireSpace } from "../../auth/access.ts";
import { publicOrigin } from "../../lib/public-url.ts";
import { ApiError, notFound } from "../../errors.ts";
import { databaseErrorFields } from "../../lib/db-error.ts";
import { loadSpaceNumber } from "../../telephony/outbound.ts";
import { generateWebhookSecret, openSecret, sealSecret, secretHint } from "../secrets.ts";
import { loadTarget, TargetMissing } from "./target.ts";

export type InboundRouteRow = typeof inboundRoutes.$inferSelect;

export interface StoreDeps {
  db: Database;
  config: Config;
}

/** Where requests to the route go: {origin}/hooks/{spaceId}/{name}. */
export function routeUrl(origin: string, row: Pick<InboundRouteRow, "spaceId" | "name">): string {
  return `${origin}/hooks/${row.spaceId}/${row.name}`;
}

export function toInboundRoute(row: InboundRouteRow, origin: string, secret: string): InboundRoute {
  return {
    id: row.id,
    spaceId: row.spaceId,
    name: row.name,
    url: routeUrl(origin, row),
    description: row.description,
    verification: row.verification as InboundVerification,
    secretHint: secretHint(secret),
    action: row.action,
    agentId: row.agentId,
    campaignId: row.campaignId,
    fromNumberId: row.phoneNumberId,
    mapping: row.mapping,
    paused: row.paused,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function routeSecret(secretsKey: string, row: Pick<InboundRouteRow, "id" | "secret">): Promise<string> {
  return openSecret(secretsKey, row.id, row.secret);
}

export async function routeResource(secretsKey: string, row: InboundRouteRow, origin: string): Promise<InboundRoute> {
  return toInboundRoute(row, origin, await routeSecret(secretsKey, row));
}

/** A new secret for the method: `whsec_…` for Standard Webhooks, else 32 random bytes as base64url. */
export function newRouteSecret(method: InboundVerification["method"]): string {
  if (method === "standard_webhooks") return generateWebhookSecret();
  let bin = "";
  for (const b of crypto.getRandomValues(new Uint8Array(32))) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function isStandardSecret(secret: string): boolean {
  try {
    standardWebhooksKey(secret);
    return secret.startsWith("whsec_");
  } catch {
    return false;
  }
}

interface RouteFields {
  action: InboundRouteAction;
  verification: InboundVerification;
  agentId: string | null;
  campaignId: string | null;
  fromNumberId: string | null;
  mapping: InboundMapping;
}

/** Every reason the fields cannot make a working route (field names under `body.`). */
async function fieldErrors(deps: StoreDeps, spaceId: string, f: RouteFields, secret: string | null): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const needs = { agentId: f.action !== "campaign_item", campaignId: f.action === "campaign_item", fromNumberId: f.action === "call", phone: f.action !== "dispatch" };
  for (const field of ["agentId", "campaignId", "fromNumberId"] as const) {
    if (needs[field] && f[field] === null) errors.push({ field: `body.${field}`, message: `${f.action} needs one` });
    if (!needs[field] && f[field] !== null) errors.push({ field: `body.${field}`, message: `not used by ${f.action}` });
  }
  if (needs.phone && f.mapping.phoneNumber === undefined) errors.push({ field: "body.mapping.phoneNumber", message: `${f.action} needs a pointer to the number to call` });
  if (!needs.phone && f.mapping.phoneNumber !== undefined) errors.push({ field: "body.mapping.phoneNumber", message: "dispatch starts a web session: there is no number to call" });
  if (f.verification.method === "standard_webhooks" && secret !== null && !isStandardSecret(secret)) {
    errors.push({ field: "body.secret", message: "a Standard Webhooks secret is whsec_ followed by base64 (leave it out to have one generated)" });
  }
  if (errors.length > 0) return errors;

  if (f.fromNumberId !== null) {
    await loadSpaceNumber(deps.db, deps.config, spaceId, f.fromNumberId).catch((err: unknown) => {
      if (!(err instanceof ApiError)) throw err;
      errors.push({ field: "body.fromNumberId", message: err.code === "not_found" ? "not a phone number of this space" : err.message });
    });
  }
  try {
    const target = await loadTarget(deps.db, spaceId, f);
    const undeclared = Object.keys(f.mapping.variables).filter((name) => !Object.hasOwn(target.config.variables.properties, name));
    for (const name of undeclared) errors.push({ field: `body.mapping.variables.${name}`, message: "is not a declared variable of the agent" });
  } catch (err) {
    if (!(err instanceof TargetMissing)) throw err;
    errors.push({ field: `body.${err.field}`, message: err.message });
  }
  return errors;
}

async function checkFields(deps: StoreDeps, spaceId: string, f: RouteFields, secret: string | null): Promise<void> {
  const errors = await fieldErrors(deps, spaceId, f, secret);
  if (errors.length > 0) throw new ApiError("validation_failed", "the route cannot work as given", { errors });
}

const nameTaken = (name: string) => new ApiError("conflict", `another inbound route of this space is already called "${name}"`);

function conflictOnName<T>(name: string): (err: unknown) => T {
  return (err) => {
    if (databaseErrorFields(err)?.code === "23505") throw nameTaken(name);
    throw err;
  };
}

export async function listRoutes(db: Database, spaceId: string): Promise<InboundRouteRow[]> {
  return db.select().from(inboundRoutes).where(eq(inboundRoutes.spaceId, spaceId)).orderBy(asc(inboundRoutes.name));
}

export async function findRoute(db: Database, spaceId: string, routeId: string): Promise<InboundRouteRow | undefined> {
  const [row] = await db.select().from(inboundRoutes).where(and(eq(inboundRoutes.id, routeId), eq(inboundRoutes.spaceId, spaceId)));
  return row;
}

export async function findRouteByName(db: Database, spaceId: string, name: string): Promise<InboundRouteRow | undefined> {
  const [row] = await db.select().from(inboundRoutes).where(and(eq(inboundRoutes.spaceId, spaceId), eq(inboundRoutes.name, name)));
  return row;
}

/** A route of the space for a caller with `need` (404 outside the space or for another space's route). */
export async function loadRoute(c: Context<AppEnv>, spaceId: string, routeId: string, need: "member" | "owner" = "member"): Promise<InboundRouteRow> {
  await requireSpace(c, spaceId, need);
  const row = await findRoute(c.get("db"), spaceId, routeId);
  if (!row) throw notFound("inbound route");
  return row;
}

/** The route as the API shows it, its URL at this request's public origin. */
export function routeOf(c: Context<AppEnv>, row: InboundRouteRow): Promise<InboundRoute> {
  return routeResource(c.get("config").secretsKey, row, publicOrigin(c));
}

/** Creates the route; the secret (given or generated) is returned once, here. */
export async function createInboundRoute(deps: StoreDeps, spaceId: string, body: InboundRouteCreate): Promise<{ row: InboundRouteRow; secret: string }> {
  const fields: RouteFields = { action: body.action, verification: body.verification, agentId: body.agentId ?? null, campaignId: body.campaignId ?? null, fromNumberId: body.fromNumberId ?? null, mapping: body.mapping };
  await checkFields(deps, spaceId, fields, body.secret ?? null);
  if (await findRouteByName(deps.db, spaceId, body.name)) throw nameTaken(body.name);
  const id = newId("inboundRoute");
  const secret = body.secret ?? newRouteSecret(body.verification.method);
  const [row] = await deps.db
    .insert(inboundRoutes)
    .values({
      id,
      spaceId,
      name: body.name,
      description: body.description,
      verification: body.verification,
      secret: await sealSecret(deps.config.secretsKey, id, secret),
      action: body.action,
      agentId: fields.agentId,
      campaignId: fields.campaignId,
      phoneNumberId: fields.fromNumberId,
      mapping: body.mapping,
      paused: body.paused,
    })
    .returning()
    .catch(conflictOnName<InboundRouteRow[]>(body.name));
  if (!row) throw new Error("the route was not inserted");
  return { row, secret };
}

/** Applies a patch; the result is checked as a whole, as a new route would be. */
export async function updateInboundRoute(deps: StoreDeps, row: InboundRouteRow, patch: InboundRouteUpdate): Promise<InboundRouteRow> {
  const fields: RouteFields = {
    action: row.action,
    verification: patch.verification ?? (row.verification as InboundVerification),
    agentId: patch.agentId ?? row.agentId,
    campaignId: patch.campaignId ?? row.campaignId,
    fromNumberId: patch.fromNumberId ?? row.phoneNumberId,
    mapping: patch.mapping ?? row.mapping,
  };
  // A move to Standard Webhooks needs a whsec_ secret: the one kept, or a new one given.
  const secret = patch.secret ?? (fields.verification.method === "standard_webhooks" && row.verification.method !== "standard_webhooks" ? await routeSecret(deps.config.secretsKey, row) : null);
  await checkFields(deps, row.spaceId, fields, secret);
  const [updated] = await deps.db
    .update(inboundRoutes)
    .set({
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.paused !== undefined ? { paused: patch.paused } : {}),
      ...(patch.secret !== undefined ? { secret: await sealSecret(deps.config.secretsKey, row.id, patch.secret) } : {}),
      verification: fields.verification,
      agentId: fields.agentId,
      campaignId: fields.campaignId,
      phoneNumberId: fields.fromNumberId,
      mapping: fields.mapping,
      updatedAt: new Date(),
    })
    .where(eq(inboundRoutes.id, row.id))
    .returning();
  if (!updated) throw new ApiError("not_found", "inbound route not found");
  return updated;
}

export async function deleteInboundRoute(db: Database, row: InboundRouteRow): Promise<void> {
  await db.delete(inboundRoutes).where(eq(inboundRoutes.id, row.id));
}
