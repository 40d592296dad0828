// The development issuer's pages: the sign-in page (pick one of the seeded identities, or cancel,
// which answers the client with access_denied) and the error page shown when the request cannot
// be answered by redirect (unknown client or redirect URI, RFC 6749 §4.1.2.1). No passwords here;
// the pages are only served when dev tools are enabled.
import type { DevIdentity } from "@speaknode/db";
import { escapeHtml } from "../routes/invitations-mail.ts";

/** The form field naming the chosen identity (not OIDC's `login_hint`, which a client may send). */
export const chosenUserField = "dev_user";
export const cancelField = "cancel";

const style = `<style>body{font:15px/1.4 system-ui,sans-serif;background:#f4f5f7;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px #0002;padding:28px;width:min(420px,92vw)}h1{font-size:20px;margin:0 0 4px}
p{color:#555;margin:0 0 18px}form{display:grid;gap:10px}button{display:grid;text-align:left;gap:2px;padding:12px 14px;border:1px solid #d5d8de;border-radius:8px;background:#fff;cursor:pointer;font:inherit}
button:hover,button:focus{border-color:#3b5bdb;outline:none;background:#f5f7ff}span{color:#666;font-size:13px}button.cancel{text-align:center;border-color:transparent;color:#444}</style>`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>${escapeHtml(title)} · Speaknode dev issuer</title>
${style}</head><body><main>${body}</main></body></html>`;
}

export function signInPage(identities: DevIdentity[], hidden: Record<string, string>, clientId: string): string {
  const fields = Object.entries(hidden)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("");
  const buttons = identities
    .map(
      (who) =>
        `<button type="submit" name="${chosenUserField}" value="${escapeHtml(who.sub)}"><strong>${escapeHtml(who.name)}</strong><span>${escapeHtml(who.email)}${who.roles.length ? ` · ${escapeHtml(who.roles.join(", "))}` : ""}</span></button>`,
    )
    .join("");
  return page(
    "Sign in",
    `<h1>Sign in to Speaknode</h1><p>Development issuer · client <code>${escapeHtml(clientId)}</code>. Choose a seeded user.</p>
<form method="post">${fields}${buttons}<button type="submit" class="cancel" name="${cancelField}" value="1">Cancel</button></form>`,
  );
}

export function errorPage(title: string, detail: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>`);
}
