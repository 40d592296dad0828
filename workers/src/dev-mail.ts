// The embedded default's mailbox: the email outbox as a page (and JSON for scripts and tests).
// Served only when dev tools are enabled.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { desc } from "drizzle-orm";
import { emailOutbox } from "@speaknode/db";
import type { AppEnv } from "./context.ts";
import { ApiError } from "./errors.ts";
import { escapeHtml } from "./routes/invitations-mail.ts";

async function latest(c: Context<AppEnv>) {
  if (!c.get("config").devTools.enabled) throw new ApiError("not_found");
  return c.get("db").select().from(emailOutbox).orderBy(desc(emailOutbox.id)).limit(50);
}

const linkify = (text: string) => escapeHtml(text).replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>');

export function registerDevMail(app: OpenAPIHono<AppEnv>): void {
  app.get("/dev/mail.json", async (c) => {
    const rows = await latest(c);
    return c.json({
      data: rows.map((m) => ({ id: m.id, to: m.toAddress, subject: m.subject, text: m.textBody, kind: m.kind, status: m.status, createdAt: m.createdAt.toISOString() })),
    });
  });
  app.get("/dev/mail", async (c) => {
    const rows = await latest(c);
    const items = rows
      .map(
        (m) => `<article><header><b>${escapeHtml(m.subject)}</b><span>to ${escapeHtml(m.toAddress)} · ${m.createdAt.toISOString()} · ${m.status}</span></header><pre>${linkify(m.textBody)}</pre></article>`,
      )
      .join("");
    return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dev mail · Speaknode</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:820px;margin:24px auto;padding:0 16px}article{border:1px solid #ddd;border-radius:8px;margin:12px 0;padding:12px}
header{display:grid;gap:2px}header span{color:#666;font-size:13px}pre{white-space:pre-wrap;font:14px/1.4 ui-monospace,monospace}</style></head>
<body><h1>Dev mail</h1><p>The email outbox of this local Speaknode. Nothing here was sent anywhere.</p>${items || "<p>No email yet.</p>"}</body></html>`);
  });
}
