// The session a runtime API request is about: it must exist, and a token narrowed to one session
// may touch only that one.
import type { Context } from "hono";
import { eq } from "drizzle-orm";
import { idSchema } from "@speaknode/contracts";
import { sessions } from "@speaknode/db";
import { z } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";

export type SessionRow = typeof sessions.$inferSelect;

export const RuntimeSessionParams = z.object({ sessionId: idSchema("session") });

export async function loadRuntimeSession(c: Context<AppEnv>, sessionId: string): Promise<SessionRow> {
  const service = c.get("runtimeService");
  if (service.sessionId !== undefined && service.sessionId !== sessionId) throw new ApiError("forbidden", "the service token is for another session");
  const [row] = await c.get("db").select().from(sessions).where(eq(sessions.id, sessionId));
  if (!row) throw notFound("session");
  return row;
}
