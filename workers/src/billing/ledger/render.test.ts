import { describe, expect, it } from "vitest";
import type { InvoiceRow } from "../driver.ts";
import { renderStatementHtml, statementCsp, statementStyle } from "./render.ts";
import { statementLines } from "./statement.ts";

function invoice(overrides: Partial<InvoiceRow> = {}): InvoiceRow {
  const { lines, total } = statementLines({ name: "Pro", interval: "monthly", price: "49", includedMinutes: 1000, overagePricePerMinute: "0.05", rounding: "per_second" }, 1000 * 60 + 61);
  return {
    id: "ivc_00000000000000000000000001",
    spaceId: "spc_00000000000000000000000001",
    source: "ledger",
    number: "SN-2026-000042",
    status: "open",
    // November 2026 in New York: local midnight on the 1st (EDT) to local midnight on Dec 1st (EST).
    periodStart: new Date("2026-11-01T04:00:00Z"),
    periodEnd: new Date("2026-12-01T05:00:00Z"),
    currency: "USD",
    planId: "pln_00000000000000000000000002",
    planName: "Pro",
    lines,
    usedSeconds: 1000 * 60 + 61,
    total: `${total}00`,
    issuedAt: new Date("2026-12-01T05:00:03Z"),
    lagoInvoiceId: null,
    pdfUrl: null,
    createdAt: new Date("2026-12-01T05:00:03Z"),
    updatedAt: new Date("2026-12-01T05:00:03Z"),
    ...overrides,
  };
}

describe("renderStatementHtml", () => {
  it("prints the number, the period's local days, the plan, the lines, the total and the local-ledger note", () => {
    const html = renderStatementHtml(invoice(), "Acme support", "America/New_York");
    expect(html).toContain("<title>Statement SN-2026-000042</title>");
    expect(html).toContain("1 November 2026 – 30 November 2026 (America/New_York)");
    expect(html).toContain("<dt>Plan</dt><dd>Pro</dd>");
    expect(html).toContain("<dt>Space</dt><dd>Acme support</dd>");
    expect(html).toContain("<dt>Voice minutes used</dt><dd>1001.0167</dd>");
    expect(html).toContain('<td>Voice minutes past the 1000 included</td><td class="n">1.0167 minute</td><td class="n">0.05</td><td class="n">0.05</td>');
    expect(html).toContain("USD 49.05</td>");
    expect(html).toContain("local ledger — no payment provider");
    expect(html).toContain("Open (not paid)");
  });

  it("names the period's days in UTC when the zone is not given, or unknown", () => {
    // In UTC the New York period runs from the 1st 04:00 to Dec 1st 04:59:59.
    expect(renderStatementHtml(invoice(), "Acme")).toContain("1 November 2026 – 1 December 2026 (UTC)");
    expect(renderStatementHtml(invoice(), "Acme", "Not/AZone")).toContain("(UTC)");
  });

  it("escapes every value taken from the database", () => {
    const evil = `<script>alert("x")</script>&'`;
    const html = renderStatementHtml(
      invoice({ number: evil, planName: evil, currency: "<b>", lines: [{ kind: "subscription", description: evil, quantity: evil, unit: "period", unitPrice: evil, amount: evil }] }),
      evil,
      "UTC",
    );
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
  });

  it("carries a policy that allows its own style by hash and nothing else", async () => {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(statementStyle));
    const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
    expect(statementCsp).toContain(`style-src 'sha256-${hash}'`);
    expect(statementCsp).toMatch(/^default-src 'none';/);
    const html = renderStatementHtml(invoice(), "Acme");
    expect(html).toContain(`<style>${statementStyle}</style>`);
    expect(html).not.toMatch(/<script|style="|<link|<img|https?:\/\//);
  });
});
