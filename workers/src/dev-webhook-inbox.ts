// The embedded default's webhook receiver: point a space's endpoint at
// {origin}/dev/webhook-inbox[/{box}] and every delivery lands here, headers and body, with whether
// its Standard Webhooks signature verifies against the secret of the endpoints that have this URL.
// `?status=503&fail=2` answers 503 to the first two requests of each webhook-id (then 200), so
// the retry schedule can be watched on a laptop. A page, a JSON list for scripts and tests, and a
// DELETE that empties it. Served only when dev tools are enabled; never written in production.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { and, desc, eq, like, sql } from "drizzle-orm";
import { newId, toStorable, type DevInboxMessage } from "@speaknode/contracts";
import { devWebhookInbox, webhookEndpoints, type Database } from "@speaknode/db";
import { verifyStandardWebhook } from "@speaknode/signing";
import type { AppEnv } from "./context.ts";
import { ApiError } from "./errors.ts";
import { escapeHtml } from "./routes/invitations-mail.ts";
import { openSecret } from "./webhooks/secrets.ts";

const basePath = "/dev/webhook-inbox";
const defaultBox = "default";
const boxName = /^[A-Za-z0-9_-]{1,64}$/;
const maxBodyBytes = 1024 * 1024;
const maxHeaders = 100;
const maxHeaderValue = 4000;
const shown = 100;

type InboxRow = typeof devWebhookInbox.$inferSelect;

function requireDevTools(c: Context<AppEnv>): void {
  if (!c.get("config").devTools.enabled) throw new ApiError("not_found");
}

function boxOf(raw: string | undefined): string {
  const box = raw ?? defaultBox;
  if (!boxName.test(box)) throw new ApiError("validation_failed", "a box is 1–64 letters, digits, - or _", { errors: [{ field: "path.box", message: "must match [A-Za-z0-9_-]{1,64}" }] });
  return box;
}

const inboxPath = (box: string) => (box === defaultBox ? basePath : `${basePath}/${box}`);
const samePath = (a: string, b: string) => a.replace(/\/+$/, "") === b.replace(/\/+$/, "");

/**
 * true: the signature verifies with the (current or still overlapping previous) secret of an
 * endpoint whose URL is this inbox; false: endpoints have this URL and none verifies; null: no
 * endpoint points here. The origin is not compared: the Worker may be reached as 127.0.0.1 or
 * localhost, and in dev every space is the developer's own.
 */
export async function inboxSignatureVerdict(db: Database, secretsKey: string, box: string, headers: Headers, body: string, nowMs = Date.now()): Promise<boolean | null> {
  const candidates = await db
    .select({ id: webhookEndpoints.id, url: webhookEndpoints.url, secret: webhookEndpoints.secret, previousSecret: webhookEndpoints.previousSecret, previousSecretExpiresAt: webhookEndpoints.previousSecretExpiresAt })
    .from(webhookEndpoints)
    .where(like(webhookEndpoints.url, `%${basePath}%`));
  const here = candidates.filter((e) => {
    try {
      return samePath(new URL(e.url).pathname, inboxPath(box)) || (box === defaultBox && samePath(new URL(e.url).pathname, `${basePath}/${defaultBox}`));
    } catch {
      return false;
    }
  });
  if (here.length === 0) return null;
  const signed = { id: headers.get("webhook-id"), timestamp: headers.get("webhook-timestamp"), signature: headers.get("webhook-signature") };
  for (const endpoint of here) {
    const sealed = [endpoint.secret, endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > nowMs ? endpoint.previousSecret : null];
    for (const s of sealed) {
      if (!s) continue;
      const secret = await openSecret(secretsKey, endpoint.id, s).catch(() => null);
      if (secret && (await verifyStandardWebhook(secret, signed, body, { nowS: nowMs / 1000 })).ok) return true;
    }
  }
  return false;
}

/** The status to answer: `status` for the first `fail` requests of a webhook-id (every request when `fail` is absent), else 200. */
async function answerStatus(c: Context<AppEnv>, box: string, webhookId: string | null): Promise<number> {
  const status = c.req.query("status");
  if (status === undefined) return 200;
  if (!/^[2-5]\d\d$/.test(status)) throw new ApiError("validation_failed", "status is an HTTP status from 200 to 599", { errors: [{ field: "query.status", message: "must be 200–599" }] });
  const failRaw = c.req.query("fail");
  if (failRaw !== undefined && !/^\d{1,4}$/.test(failRaw)) throw new ApiError("validation_failed", "fail is how many requests of a webhook-id get that status", { errors: [{ field: "query.fail", message: "must be a whole number" }] });
  if (failRaw === undefined || !webhookId) return Number(status);
  const [seen] = await c
    .get("db")
    .select({ n: sql<number>`count(*)::int` })
    .from(devWebhookInbox)
    .where(and(eq(devWebhookInbox.box, box), sql`${devWebhookInbox.headers}->>'webhook-id' = ${webhookId}`));
  return (seen?.n ?? 0) < Number(failRaw) ? Number(status) : 200;
}

function headerRecord(headers: Headers): Record<string, string> {
  const out: [string, string][] = [];
  for (const [name, value] of headers) {
    if (out.length >= maxHeaders) break;
    out.push([name.toLowerCase(), value.slice(0, maxHeaderValue)]);
  }
  return toStorable(Object.fromEntries(out));
}

async function receive(c: Context<AppEnv>, box: string): Promise<Response> {
  requireDevTools(c);
  const body = await c.req.text();
  const headers = c.req.raw.headers;
  const webhookId = headers.get("webhook-id");
  const answeredStatus = await answerStatus(c, box, webhookId);
  const signatureValid = await inboxSignatureVerdict(c.get("db"), c.get("config").secretsKey, box, headers, body);
  const id = newId("devInboxMessage");
  await c.get("db").insert(devWebhookInbox).values({ id, box, headers: headerRecord(headers), body: toStorable(body), signatureValid, answeredStatus });
  // A null-body status cannot carry the JSON answer.
  if (answeredStatus === 204 || answeredStatus === 205 || answeredStatus === 304) return new Response(null, { status: answeredStatus });
  return c.json({ id, box, signatureValid, answeredStatus }, answeredStatus as ContentfulStatusCode);
}

type InboxMessage = DevInboxMessage;

function toMessage(r: InboxRow): InboxMessage {
  let type: string | null = r.headers["speaknode-event-type"] ?? null;
  if (!type) {
    try {
      const parsed: unknown = JSON.parse(r.body);
      if (typeof parsed === "object" && parsed !== null && typeof (parsed as { type?: unknown }).type === "string") type = (parsed as { type: string }).type;
    } catch {
      type = null;
    }
  }
  return { id: r.id, box: r.box, eventType: type, webhookId: r.headers["webhook-id"] ?? null, headers: r.headers, body: r.body, signatureValid: r.signatureValid, answeredStatus: r.answeredStatus, receivedAt: r.receivedAt.toISOString() };
}

async function latest(c: Context<AppEnv>): Promise<InboxMessage[]> {
  requireDevTools(c);
  const box = c.req.query("box");
  const rows = await c
    .get("db")
    .select()
    .from(devWebhookInbox)
    .where(box === undefined ? undefined : eq(devWebhookInbox.box, boxOf(box)))
    .orderBy(desc(devWebhookInbox.id))
    .limit(shown);
  return rows.map(toMessage);
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

const verdict = (v: boolean | null) => (v === true ? '<b class="ok">signature valid</b>' : v === false ? '<b class="bad">signature INVALID</b>' : '<span class="muted">no endpoint with this URL: signature not checked</span>');

function page(messages: InboxMessage[], box: string | undefined): string {
  const items = messages
    .map(
      (m) => `<article><header><b>${escapeHtml(m.eventType ?? "(no event type)")}</b> ${verdict(m.signatureValid)}
<span>box ${escapeHtml(m.box)} · webhook-id ${escapeHtml(m.webhookId ?? "none")} · answered ${m.answeredStatus} · ${escapeHtml(m.receivedAt)}</span></header>
<details><summary>Headers</summary><pre>${escapeHtml(Object.entries(m.headers).map(([k, v]) => `${k}: ${v}`).join("\n"))}</pre></details><pre>${escapeHtml(pretty(m.body))}</pre></article>`,
    )
    .join("");
  const title = box === undefined ? "" : ` · box ${escapeHtml(box)}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dev webhook inbox · Speaknode</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:900px;margin:24px auto;padding:0 16px}article{border:1px solid #ddd;border-radius:8px;margin:12px 0;padding:12px}
header{display:grid;gap:2px}header span,.muted{color:#666;font-size:13px}.ok{color:#176f2c}.bad{color:#b00020}pre{white-space:pre-wrap;overflow-wrap:anywhere;font:13px/1.4 ui-monospace,monospace;background:#f7f7f7;padding:8px;border-radius:6px}</style></head>
<body><h1>Dev webhook inbox${title}</h1><p>Webhook deliveries received by this local Speaknode at <code>${escapeHtml(basePath)}[/{box}]</code>, newest first (the last ${shown}).
Add <code>?status=503&amp;fail=2</code> to an endpoint's URL to answer 503 to the first two attempts of each event and watch the retries.</p>
${items || "<p>Nothing received yet.</p>"}</body></html>`;
}

export function registerDevWebhookInbox(app: OpenAPIHono<AppEnv>): void {
  const limit = bodyLimit({ maxSize: maxBodyBytes, onError: () => { throw new ApiError("payload_too_large", "the body is larger than 1 MiB"); } });
  app.post(basePath, limit, (c) => receive(c, defaultBox));
  app.post(`${basePath}/:box`, limit, (c) => receive(c, boxOf(c.req.param("box"))));
  app.get(`${basePath}.json`, async (c) => c.json({ data: await latest(c) }));
  app.get(basePath, async (c) => c.html(page(await latest(c), c.req.query("box"))));
  app.delete(basePath, async (c) => {
    requireDevTools(c);
    const box = c.req.query("box");
    await c.get("db").delete(devWebhookInbox).where(box === undefined ? undefined : eq(devWebhookInbox.box, boxOf(box)));
    return c.body(null, 204);
  });
}
