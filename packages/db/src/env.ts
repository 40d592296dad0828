// The database settings as every Cloudflare deployable reads them from its env bindings: the
// Worker's configuration embeds these fields, and a Durable Object that writes Postgres reads only
// these (it depends on this package, not on the Worker's configuration).
import { z } from "zod";
import type { DatabaseOptions } from "./client.ts";

export const DatabaseEnv = z.object({
  DATABASE_URL: z.string().min(1, "DATABASE_URL is required"),
  DB_LOCAL_PROXY: z
    .string()
    .regex(/^(127\.0\.0\.1|localhost):\d+$/, "must be 127.0.0.1:PORT")
    .optional()
    .or(z.literal("").transform(() => undefined)),
});

export class DatabaseEnvError extends Error {
  override name = "DatabaseEnvError";
}

/** The factory's options from env bindings; throws DatabaseEnvError naming the bad fields. */
export function databaseOptionsFromEnv(env: Record<string, unknown>, max?: number): DatabaseOptions {
  const parsed = DatabaseEnv.safeParse(env);
  if (!parsed.success) throw new DatabaseEnvError(`invalid database configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return { url: parsed.data.DATABASE_URL, localProxy: parsed.data.DB_LOCAL_PROXY, ...(max === undefined ? {} : { max }) };
}
