// The printable statement of the local ledger: one self-contained HTML page (no script, no
// external resource) the download route serves as an attachment. Every value from the database
// is escaped; the only style is the constant block below, which the page's own CSP allows by its
// hash, so the file keeps a strict policy wherever it is opened (served or from disk).
import type { InvoiceRow } from "../driver.ts";
import { formatMoney } from "../money.ts";
import { minutesText } from "./statement.ts";

/** The style block, byte for byte as hashed in `statementCsp` (render.test.ts recomputes it). */
export const statementStyle =
  "body{font:14px/1.5 system-ui,sans-serif;color:#1a1a1a;max-width:46rem;margin:2rem auto;padding:0 1rem}" +
  "h1{font-size:1.4rem;margin:0 0 .25rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:1rem 0}" +
  "dt{color:#555}dd{margin:0}table{width:100%;border-collapse:collapse;margin:1rem 0}" +
  "th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #ddd}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}" +
  "tfoot td{font-weight:600;border-bottom:0}.note{color:#555;font-size:.85rem;border-top:1px solid #ddd;padding-top:.75rem}" +
  "@media print{body{margin:0}}";

/** sha256 of `statementStyle`, base64 (CSP hash source). */
const statementStyleHash = "sha256-+fFcllSX6Hj8VGG1MgJVc7yB+4DkKUmajSvCJsWhoSU=";

/** The statement's policy: nothing but its own style (the download route may also send it as a header). */
export const statementCsp = `default-src 'none'; style-src '${statementStyleHash}'; base-uri 'none'; form-action 'none'`;

const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => entities[ch] ?? ch);
}

function dateIn(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone, day: "numeric", month: "long", year: "numeric" }).format(at);
}

/** The period as local dates: its first day to its last (the end is the next period's first instant). */
function periodText(invoice: InvoiceRow, timeZone: string): string {
  const lastDay = new Date(invoice.periodEnd.getTime() - 1);
  return `${dateIn(invoice.periodStart, timeZone)} – ${dateIn(lastDay, timeZone)} (${timeZone})`;
}

const statusText: Record<InvoiceRow["status"], string> = { draft: "Draft", open: "Open (not paid)", paid: "Paid (nothing due)", failed: "Payment failed", void: "Void" };

/**
 * The statement as a printable page. `timeZone` is the space's billing time zone (the
 * subscription's), in which the period's days are named; an unknown zone falls back to UTC.
 */
export function renderStatementHtml(invoice: InvoiceRow, spaceName: string, timeZone = "UTC"): string {
  const zone = validZone(timeZone);
  const e = escapeHtml;
  const rows = invoice.lines
    .map((l) => `<tr><td>${e(l.description)}</td><td class="n">${e(l.quantity)} ${e(l.unit)}</td><td class="n">${e(l.unitPrice)}</td><td class="n">${e(l.amount)}</td></tr>`)
    .join("");
  const facts: [string, string][] = [
    ["Space", spaceName],
    ["Period", periodText(invoice, zone)],
    ["Plan", invoice.planName ?? "—"],
    ["Voice minutes used", minutesText(invoice.usedSeconds)],
    ["Issued", dateIn(invoice.issuedAt, zone)],
    ["Status", statusText[invoice.status]],
  ];
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${e(statementCsp)}">`,
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>Statement ${e(invoice.number)}</title>`,
    `<style>${statementStyle}</style>`,
    "</head><body>",
    `<h1>Statement ${e(invoice.number)}</h1>`,
    `<dl>${facts.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join("")}</dl>`,
    `<table><thead><tr><th>Item</th><th class="n">Quantity</th><th class="n">Unit price (${e(invoice.currency)})</th><th class="n">Amount (${e(invoice.currency)})</th></tr></thead>`,
    `<tbody>${rows}</tbody>`,
    `<tfoot><tr><td colspan="3">Total</td><td class="n">${e(invoice.currency)} ${e(formatMoney(invoice.total, 2))}</td></tr></tfoot></table>`,
    '<p class="note">Issued by the Speaknode local ledger — no payment provider. This statement records usage; it was not charged to any payment method.</p>',
    "</body></html>",
  ].join("\n");
}

function validZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone });
    return timeZone;
  } catch {
    return "UTC";
  }
}
