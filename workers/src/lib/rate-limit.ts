// Fixed-window limits kept by the RATE_LIMITER Durable Object, one object per key (`ip:…`,
// `agent:…`, `preview:<spaceId>`). Over the limit: 429 with Retry-After.
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";

/** Counts one hit on `key`; `what` names what is limited in the 429's detail ("sessions", "voice previews"). */
export async function enforceRateLimit(c: Context<AppEnv>, key: string, perMinute: number, what: string): Promise<void> {
  const ns: AppEnv["Bindings"]["RATE_LIMITER"] | undefined = c.env.RATE_LIMITER;
  if (!ns) throw new Error("the RATE_LIMITER Durable Object binding is missing");
  const verdict = await ns.get(ns.idFromName(key)).hit(perMinute, 60_000);
  if (!verdict.allowed) {
    const retryAfterS = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
    throw new ApiError("rate_limited", `too many ${what}; try again in ${retryAfterS} s`, { headers: { "retry-after": String(retryAfterS) } });
  }
}
