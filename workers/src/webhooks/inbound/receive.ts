// One request to POST /hooks/{spaceId}/{name}, from its bytes to what it started. Every request is
// logged (provider `route`, kind `hook`) before anything acts on it — unknown routes, bad
// signatures and paused routes as refused — and the row is marked with what became of it:
// processed (with the routing decision and session), ignored (a replay of an earlier request, or
// one still running), failed (the mapping or the action refused, with why). Verify, paused, claim,
// map, act: a replayed request with the same idempotency key starts nothing twice, and a failed
// action frees its key for the sender's retry.
import { eq } from "drizzle-orm";
import { idSchema, InboundRouteName, type InboundHookResult } from "@speaknode/contracts";
import { spaces, type Database } from "@speaknode/db";
import type { Config } from "../../config.ts";
import { ApiError } from "../../errors.ts";
import { log } from "../../lib/log.ts";
import { insertWebhookLog, markWebhookLog, type WebhookLogEntry } from "../../telephony/webhook-log.ts";
import { runAction, type ActionDeps } from "./actions.ts";
import { claim, completeClaim, headerKeyOf, releaseClaim } from "./claims.ts";
import { applyMapping, idempotencyKeyOf } from "./mapping.ts";
import { findRouteByName, routeSecret, type InboundRouteRow } from "./store.ts";
import { loadTarget, TargetMissing } from "./target.ts";
import { secretHeadersOf, verifyRouteRequest } from "./verify.ts";

/** The largest body a route takes. */
export const hookMaxBytes = 256 * 1024;

export interface HookRequest {
  spaceId: string;
  name: string;
  method: string;
  url: string;
  headers: Headers;
  /** The raw body, as signed. */
  body: Uint8Array;
  requestId: string;
}

export interface ReceiveDeps {
  db: Database;
  config: Config;
  actions: ActionDeps;
  /** Counts the request against a rate limit (throws 429 past it): before the log, so a flood does
   *  not fill it. Keyed by route id, `space:<id>` (a space's unknown paths) or `no-space`, so
   *  made-up paths create no counters of their own. */
  limit?: (key: string) => Promise<void>;
  /** The clock the Standard Webhooks tolerance is read against (tests). */
  nowS?: number;
}

/** 201: something was started; 200: a replay, answered with what the first request started. */
export interface HookAnswer {
  status: 200 | 201;
  result: InboundHookResult;
}

type Parsed = { ok: true; value: unknown } | { ok: false };

function parseJson(body: Uint8Array): Parsed {
  try {
    return { ok: true, value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body)) };
  } catch {
    return { ok: false };
  }
}

async function spaceExists(db: Database, spaceId: string): Promise<boolean> {
  // Anything that is not a space id names no space (and never reaches the query).
  if (!idSchema("space").safeParse(spaceId).success) return false;
  const [row] = await db.select({ id: spaces.id }).from(spaces).where(eq(spaces.id, spaceId));
  return row !== undefined;
}

function logEntry(req: HookRequest, fields: Omit<WebhookLogEntry, "provider" | "kind" | "connectionId" | "method" | "url" | "headers" | "params" | "requestId">): WebhookLogEntry {
  return { provider: "route", kind: "hook", connectionId: null, method: req.method, url: req.url, headers: req.headers, params: {}, requestId: req.requestId, ...fields };
}

export async function receiveHook(deps: ReceiveDeps, req: HookRequest): Promise<HookAnswer> {
  const { db } = deps;
  const parsed = parseJson(req.body);
  const payload = parsed.ok ? parsed.value : null;
  // A path that cannot name a route (not a space id, not a route name) never reaches the query.
  const routePath = idSchema("space").safeParse(req.spaceId).success && InboundRouteName.safeParse(req.name).success;
  const route = routePath ? await findRouteByName(db, req.spaceId, req.name) : undefined;
  if (!route) {
    const spaceId = (await spaceExists(db, req.spaceId)) ? req.spaceId : null;
    // Refusals count against a limit before they are logged, so nobody can fill the log: the
    // space's own for its unknown paths, one shared by every request that names no space.
    await deps.limit?.(spaceId ? `space:${spaceId}` : "no-space");
    await insertWebhookLog(db, logEntry(req, { spaceId, payload, signatureValid: false, outcome: "refused", routing: "no such route", detail: "no inbound route has this path" }));
    throw new ApiError("not_found", "no inbound route has this path");
  }

  await deps.limit?.(route.id);
  const verdict = await verifyRouteRequest(route.verification, await routeSecret(deps.config.secretsKey, route), req.headers, req.body, deps.nowS !== undefined ? { nowS: deps.nowS } : {});
  const headerKey = headerKeyOf(req.headers);
  const key = headerKey ?? (parsed.ok ? idempotencyKeyOf(route.mapping, payload).key : null);
  const refusal = !verdict.ok
    ? { error: new ApiError("unauthorized", `the request is not signed for this route: ${verdict.reason}`), routing: "refused: signature" }
    : route.paused
      ? { error: new ApiError("conflict", "the route is paused"), routing: "route paused" }
      : !parsed.ok
        ? { error: new ApiError("malformed_request", "the body is not JSON (UTF-8)"), routing: "refused: not JSON" }
        : null;
  const logId = await insertWebhookLog(
    db,
    logEntry(req, {
      spaceId: route.spaceId,
      routeId: route.id,
      payload,
      signatureValid: verdict.ok,
      outcome: refusal ? "refused" : "accepted",
      ...(refusal ? { routing: refusal.routing, detail: refusal.error.message } : {}),
      dedupeKey: key,
      secretHeaderNames: secretHeadersOf(route.verification),
    }),
  );
  if (refusal) {
    log.info("inbound route: request refused", { requestId: req.requestId, routeId: route.id, logId, reason: refusal.routing });
    throw refusal.error;
  }

  if (key !== null) {
    const claimed = await claim(db, deps.config.secretsKey, route.id, key, logId);
    if (claimed.kind === "done") {
      const first = claimed.result;
      await markWebhookLog(db, logId, { outcome: "ignored", routing: `replay of ${first.logId}`, ...(first.sessionId ? { sessionId: first.sessionId } : {}), processed: true });
      return { status: 200, result: { routeId: route.id, action: route.action, replayed: true, sessionId: first.sessionId, itemId: first.itemId, joinUrl: first.joinUrl, dispatched: first.dispatched, logId } };
    }
    if (claimed.kind === "in_flight") {
      await markWebhookLog(db, logId, { outcome: "ignored", routing: `in flight: ${claimed.logId ?? "an earlier request"}`, detail: "a request with this idempotency key is still being processed", processed: true });
      throw new ApiError("conflict", "a request with this idempotency key is still being processed: retry later", { headers: { "retry-after": "5" } });
    }
  }

  try {
    const result = await act(deps, route, payload, headerKey !== null);
    if (key !== null) await completeClaim(db, deps.config.secretsKey, route.id, key, result);
    await markWebhookLog(db, logId, { outcome: "processed", routing: result.routing, ...(result.sessionId ? { sessionId: result.sessionId } : {}), processed: true });
    log.info("inbound route: request processed", { requestId: req.requestId, routeId: route.id, logId, action: route.action, sessionId: result.sessionId, itemId: result.itemId });
    const { routing: _routing, ...started } = result;
    return { status: 201, result: { routeId: route.id, action: route.action, replayed: false, ...started, logId } };
  } catch (err) {
    if (key !== null) await releaseClaim(db, route.id, key);
    const detail = err instanceof ApiError ? `${err.code}: ${err.message}` : "internal error";
    await markWebhookLog(db, logId, { outcome: "failed", detail, processed: true });
    log.info("inbound route: request failed", { requestId: req.requestId, routeId: route.id, logId, action: route.action, code: err instanceof ApiError ? err.code : "internal" });
    throw err;
  }
}

/** Mapping then action; the mapping's problems are a 422 listing them. */
async function act(deps: ReceiveDeps, route: InboundRouteRow, payload: unknown, keyFromHeader: boolean) {
  let target;
  try {
    target = await loadTarget(deps.db, route.spaceId, route);
  } catch (err) {
    if (err instanceof TargetMissing) throw new ApiError("conflict", `the route's ${err.field === "agentId" ? "agent" : "campaign"} cannot be used: ${err.message}`);
    throw err;
  }
  const mapped = applyMapping(route.mapping, payload, { schema: target.config.variables, needsPhone: route.action !== "dispatch", keyFromHeader });
  if (!mapped.ok) throw new ApiError("unprocessable_content", "the request does not fit the route's mapping", { errors: mapped.problems });
  return runAction(deps.actions, { action: route.action, target, fromNumberId: route.phoneNumberId, phoneNumber: mapped.phoneNumber, variables: mapped.variables });
}
