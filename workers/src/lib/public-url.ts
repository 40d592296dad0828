import type { Context } from "hono";
import type { AppEnv } from "../context.ts";

/** The origin links in emails and responses point at: PUBLIC_URL when set, else this request's. */
export function publicOrigin(c: Context<AppEnv>): string {
  return c.get("config").publicUrl ?? new URL(c.req.url).origin;
}
