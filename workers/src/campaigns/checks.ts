// What a campaign's references must be, checked on create, on edit and again at launch: an agent
// of the campaign's space, and caller numbers of that space on connections that can place calls.
import { and, eq, inArray } from "drizzle-orm";
import type { FieldError } from "@speaknode/contracts";
import { agents, phoneNumbers, telephonyConnections, type Database } from "@speaknode/db";
import { ApiError, notFound } from "../errors.ts";

/** Providers outbound calls go through today (telephony/outbound.ts refuses the others). */
const dialingProviders = new Set(["twilio"]);

/** One error per caller number that is not the space's or cannot place calls, named `<field>.<index>`. */
export async function callerNumberErrors(db: Database, spaceId: string, ids: readonly string[], field: string): Promise<FieldError[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: phoneNumbers.id, provider: telephonyConnections.provider })
    .from(phoneNumbers)
    .innerJoin(telephonyConnections, eq(telephonyConnections.id, phoneNumbers.connectionId))
    .where(and(eq(phoneNumbers.spaceId, spaceId), inArray(phoneNumbers.id, [...ids])));
  const providers = new Map(rows.map((r) => [r.id, r.provider]));
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    const provider = providers.get(id);
    if (provider === undefined) errors.push({ field: `${field}.${i}`, message: "not a phone number of this space" });
    else if (!dialingProviders.has(provider)) errors.push({ field: `${field}.${i}`, message: `calls through ${provider} connections are not supported yet` });
    else if (seen.has(id)) errors.push({ field: `${field}.${i}`, message: "listed twice" });
    seen.add(id);
  });
  return errors;
}

/** The agent, when it is one of the space's (another space's agent is the 404 of a made-up id),
 *  naming the request's `field` when there is one. */
export async function agentOfSpace(db: Database, spaceId: string, agentId: string, field?: string): Promise<{ id: string; publishedVersion: number | null }> {
  const [agent] = await db.select({ id: agents.id, publishedVersion: agents.publishedVersion }).from(agents).where(and(eq(agents.id, agentId), eq(agents.spaceId, spaceId)));
  if (!agent) throw field ? new ApiError("not_found", "agent not found", { errors: [{ field, message: "not an agent of this space" }] }) : notFound("agent");
  return agent;
}
