// The development issuer's sign-in page: pick one of the seeded identities. No passwords here;
// the page is only served when dev tools are enabled.
import type { DevIdentity } from "@speaknode/db";
import { escapeHtml } from "../routes/invitations-mail.ts";

export function signInPage(identities: DevIdentity[], hidden: Record<string, string>, clientId: string): string {
  const fields = Object.entries(hidden)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("");
  const buttons = identities
    .map(
      (who) =>
        `<button type="submit" name="login_hint" value="${escapeHtml(who.sub)}"><strong>${escapeHtml(who.name)}</strong><span>${escapeHtml(who.email)}${who.roles.length ? ` · ${escapeHtml(who.roles.join(", "))}` : ""}</span></button>`,
    )
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>Sign in · Speaknode dev issuer</title>
<style>body{font:15px/1.4 system-ui,sans-serif;background:#f4f5f7;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px #0002;padding:28px;width:min(420px,92vw)}h1{font-size:20px;margin:0 0 4px}
p{color:#555;margin:0 0 18px}form{display:grid;gap:10px}button{display:grid;text-align:left;gap:2px;padding:12px 14px;border:1px solid #d5d8de;border-radius:8px;background:#fff;cursor:pointer;font:inherit}
button:hover,button:focus{border-color:#3b5bdb;outline:none;background:#f5f7ff}span{color:#666;font-size:13px}</style></head>
<body><main><h1>Sign in to Speaknode</h1><p>Development issuer · client <code>${escapeHtml(clientId)}</code>. Choose a seeded user.</p>
<form method="post">${fields}${buttons}</form></main></body></html>`;
}
