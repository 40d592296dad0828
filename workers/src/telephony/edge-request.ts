// What both providers' requests at the edge (Twilio webhooks, twilio/webhook.ts; the VoxImplant
// scenario's /calls and /events, voximplant/edge.ts) do alike before their own checks: find the
// connection the path names, and describe the request for the inbound webhook log.
import type { Context } from "hono";
import { eq } from "drizzle-orm";
import { idSchema } from "@speaknode/contracts";
import { telephonyConnections } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import type { ConnectionRow } from "./connections.ts";
import type { WebhookLogEntry } from "./webhook-log.ts";

/** The path's connection when it is this provider's; any other id, well-formed or not, is none. */
export async function edgeConnection(c: Context<AppEnv>, connectionId: string, provider: ConnectionRow["provider"]): Promise<ConnectionRow | undefined> {
  if (!idSchema("telephonyConnection").safeParse(connectionId).success) return undefined;
  const [row] = await c.get("db").select().from(telephonyConnections).where(eq(telephonyConnections.id, connectionId));
  return row?.provider === provider ? row : undefined;
}

/** The log entry's fields that say which request arrived, and for which connection (none when unknown). */
export function edgeRequestLogFields(c: Context<AppEnv>, connection: ConnectionRow | undefined): Pick<WebhookLogEntry, "connectionId" | "spaceId" | "method" | "url" | "headers" | "requestId"> {
  return {
    connectionId: connection?.id ?? null,
    spaceId: connection?.spaceId ?? null,
    method: c.req.method,
    url: c.req.url,
    headers: c.req.raw.headers,
    requestId: c.get("requestId"),
  };
}
