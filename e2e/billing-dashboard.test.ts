// The Billing page and the Admin's Plans page in real headless Chromium against the local stack
// (embedded Postgres, the Worker in wrangler dev, the voice runtime with offline speech; billing on
// the local ledger). A real call to the demo agent ends first (flite speech over the local media
// transport, as `npm run call` places it), so the demo space (on Pro) has billed minutes. Then:
// the Owner sees them (by day and by agent), changes the plan now and again for the period's end
// (the pending change shown with its date) and downloads last period's statement; the Member sees
// the usage without any control; the platform Admin's field errors come from the form and from the
// API, and a plan the Admin creates appears in the Owner's picker. Screenshots go to
// e2e/artifacts/billing-*.png.
// The Worker serves the dashboard from build/public: build first (`npx node scripts/build.ts`).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { createDatabase, demoAgentId, subscriptions } from "@speaknode/db";
import { ws } from "@speaknode/db/node";
import { finishedWebCall } from "./web-call.ts";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import { artifactsDir, launchChromium, signedInPage } from "./lib.ts";
import { axeFindings } from "./axe.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-billing-"));
const shot = (name: string) => join(artifactsDir, `billing-${name}.png`);

let stack: LocalStack;
let browser: Browser;
let ownerToken = "";
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(artifactsDir, { recursive: true });
  for (const f of readdirSync(artifactsDir).filter((n) => n.startsWith("billing-"))) rmSync(join(artifactsDir, f), { force: true });
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  ownerToken = await token(stack.url);
  browser = await launchChromium({ mic: "none" });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ownerToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A browser of its own for `userName`, signed in. */
const signedIn = (userName: string): Promise<Page> => signedInPage(browser, stack.url, userName, { contexts, pageErrors }, { acceptDownloads: true });


const billingUrl = () => `${stack.url}/app/spaces/${stack.demoSpaceId}/billing`;
const figure = (page: Page, name: string) => page.locator(`[data-figure=${name}] dd`);
const input = (scope: Locator, label: string) => scope.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));

/** A finished call through the runtime (e2e/web-call.ts). */
const finishedCall = () => finishedWebCall({ url: stack.url, agentId: demoAgentId, scratch, statusOf: async (id) => (await api<{ status: string }>("GET", `/v1/sessions/${id}`)).status });

describe("the Billing page and the Admin's plans", () => {
  let owner: Page;
  let usedSeconds = 0;

  it("a real call's minutes reach the Owner's Billing page, by day and by agent", async () => {
    await finishedCall();
    // The usage row is written with the session's terminal row; the overview reads it.
    await expect
      .poll(async () => (await api<{ usage: { usedSeconds: number } }>("GET", `/v1/spaces/${stack.demoSpaceId}/billing`)).usage.usedSeconds, { timeout: 20_000 })
      .toBeGreaterThan(0);
    usedSeconds = (await api<{ usage: { usedSeconds: number } }>("GET", `/v1/spaces/${stack.demoSpaceId}/billing`)).usage.usedSeconds;
    // The space subscribed last month, so last month's fee has a statement to download.
    const seed = createDatabase({ url: stack.database.databaseUrl, localProxy: stack.database.localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof WebSocket, max: 1 });
    await seed.db.update(subscriptions).set({ startedAt: sql`now() - interval '40 days'` }).where(eq(subscriptions.spaceId, stack.demoSpaceId));
    await seed.close();

    owner = await signedIn("Olivia Owner");
    await owner.getByRole("link", { name: "Billing" }).click();
    await owner.waitForURL(billingUrl());
    await figure(owner, "used").waitFor({ timeout: 20_000 });
    expect(await owner.locator("[data-plan-name]").textContent()).toBe("Pro");
    expect(await figure(owner, "used").textContent()).toBe(`${Math.round((usedSeconds / 60) * 10) / 10} min`);
    expect(await figure(owner, "included").textContent()).toBe("1,000 min");
    expect(await owner.locator("[data-projection]").textContent()).toMatch(/^At this pace: about/);
    const agentRow = owner.locator("table.billing-agents tbody tr");
    expect(await agentRow.count()).toBe(1);
    expect(await agentRow.first().getAttribute("data-agent")).toBe(demoAgentId);
    // The chart is an SVG with its title and description, one labelled bar for the day of the call.
    const chart = owner.locator("[data-chart=chart-billing-minutes] svg");
    expect(await chart.getAttribute("role")).toBe("img");
    expect(await chart.locator("desc").textContent()).toMatch(/Billable voice minutes per day/);
    expect(await chart.locator("rect title").count()).toBe(1);
    expect(await owner.locator("[data-limit=agents] td").first().textContent()).toMatch(/^\d+/);
    expect(await owner.locator("[data-payment=none]").textContent()).toMatch(/Local mode:.*takes no payments/);
    await owner.screenshot({ path: shot("owner"), fullPage: true });
  });

  it("the Owner changes the plan now, then chooses another for the period's end", async () => {
    const picker = owner.getByRole("form", { name: "Change plan" });
    await picker.locator("[data-choice=scale]").waitFor();
    expect(await picker.locator("[data-choice=pro]").textContent()).toMatch(/Current.*\$49\.00 \/ month.*1,000 min included.*then \$0\.05 \/ min/);
    await picker.locator("[data-choice=scale]").getByRole("radio").check();
    expect(await picker.locator("[data-change-summary]").textContent()).toMatch(/^Moves from Pro to Scale now/);
    const put = owner.waitForResponse((r) => r.request().method() === "PUT" && r.url().endsWith("/subscription"));
    await picker.getByRole("button", { name: "Change plan" }).click();
    expect((await put).status()).toBe(200);
    await expect.poll(() => owner.locator("[data-plan-name]").textContent()).toBe("Scale");
    await expect.poll(() => figure(owner, "included").textContent()).toBe("10,000 min");

    await picker.locator("[data-choice=free]").getByRole("radio").check();
    await picker.getByRole("radio", { name: /^At the end of this period/ }).check();
    await picker.getByRole("button", { name: "Change plan" }).click();
    const pending = owner.locator("[data-pending=free]");
    await pending.waitFor({ timeout: 10_000 });
    const end = (await api<{ subscription: { currentPeriodEnd: string } }>("GET", `/v1/spaces/${stack.demoSpaceId}/billing`)).subscription.currentPeriodEnd;
    const endDay = new Date(end).toLocaleDateString("en-US", { dateStyle: "medium", timeZone: "UTC" });
    expect(await pending.textContent()).toBe(`Changes to Free on ${endDay}, when this period ends.`);
    expect(await owner.locator("[data-plan-name]").textContent()).toBe("Scale");
    await owner.screenshot({ path: shot("plan-changed"), fullPage: true });
  });

  it("the Owner downloads last period's statement", async () => {
    const row = owner.locator("[data-section=invoices] tbody tr").first();
    await row.waitFor({ timeout: 15_000 });
    const number = (await row.getAttribute("data-invoice")) ?? "";
    expect(number).toMatch(/^SN-\d{4}-\d{6}$/);
    expect(await row.locator("[data-status]").getAttribute("data-status")).toBe("open");
    const download = owner.waitForEvent("download");
    await row.getByRole("button", { name: `Download ${number}` }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`${number}.html`);
    const html = readFileSync(await file.path(), "utf8");
    expect(html).toContain(number);
    expect(html).toContain("49.00");
    await owner.locator("[data-section=invoices]").scrollIntoViewIfNeeded();
    await owner.screenshot({ path: shot("invoices"), fullPage: true });
    // The figures, the meter, the chart, the picker's radios and the invoice table pass axe.
    expect(await axeFindings(owner)).toEqual([]);
  });

  it("the Member sees the usage and the plan, with no control to change them", async () => {
    const member = await signedIn("Milo Member");
    await member.goto(billingUrl());
    await figure(member, "used").waitFor({ timeout: 20_000 });
    expect(await figure(member, "used").textContent()).toBe(`${Math.round((usedSeconds / 60) * 10) / 10} min`);
    expect(await member.locator("[data-plan-name]").textContent()).toBe("Scale");
    expect(await member.getByRole("form", { name: "Change plan" }).count()).toBe(0);
    expect(await member.locator("[data-section=invoices]").count()).toBe(0);
    expect(await member.getByRole("button", { name: /payment method/i }).count()).toBe(0);
    expect(await member.locator("[data-member-notice]").textContent()).toMatch(/Only the space's Owners change the plan/);
    await member.screenshot({ path: shot("member"), fullPage: true });
  });

  it("the Admin's plan form names wrong fields (its own check and the API's), then the new plan is in the Owner's picker", async () => {
    const admin = await signedIn("Ada Admin");
    await admin.goto(`${stack.url}/app/admin/plans`);
    await admin.locator("[data-plan-row=pro]").waitFor({ timeout: 20_000 });
    await admin.getByRole("button", { name: "New plan" }).click();
    const form = admin.getByRole("form", { name: "New plan" });
    await input(form, "Code").fill("Team Plan");
    await input(form, "Name").fill("Team (e2e)");
    await input(form, "Price per period").fill("99");
    await input(form, "Included minutes").fill("3000");
    await input(form, "Agents").fill("ten");
    let posted = 0;
    admin.on("request", (r) => r.method() === "POST" && r.url().endsWith("/v1/admin/plans") && posted++);
    await form.getByRole("button", { name: "Create plan" }).click();
    await expect.poll(() => input(form, "Code").getAttribute("aria-invalid")).toBe("true");
    expect(await input(form, "Agents").getAttribute("aria-invalid")).toBe("true");
    expect(posted).toBe(0);
    // A code the schema takes but the API refuses: the seeded pro plan has it.
    await input(form, "Code").fill("pro");
    await input(form, "Agents").fill("10");
    const refused = admin.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/v1/admin/plans"));
    await form.getByRole("button", { name: "Create plan" }).click();
    expect((await refused).status()).toBe(409);
    await expect.poll(() => form.locator("label.invalid", { hasText: "Code" }).locator(".error").textContent()).toBe('a plan with the code "pro" exists');
    expect(await form.getByRole("alert").textContent()).toBe("Some fields need a change: see the messages below.");
    await admin.screenshot({ path: shot("admin-errors"), fullPage: true });
    expect(await axeFindings(admin)).toEqual([]);

    await input(form, "Code").fill("team-e2e");
    await input(form, "Overage price per minute").fill("0.04");
    await input(form, "Calls at once").fill("5");
    await form.getByRole("checkbox", { name: "Campaigns" }).check();
    const created = admin.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/v1/admin/plans"));
    await form.getByRole("button", { name: "Create plan" }).click();
    expect((await created).status()).toBe(201);
    const row = admin.locator("[data-plan-row=team-e2e]");
    await row.waitFor();
    expect(await row.textContent()).toMatch(/\$99\.00 \/ month.*3,000 min included.*then \$0\.04 \/ min/);
    await admin.screenshot({ path: shot("admin-plans"), fullPage: true });

    await owner.reload();
    const choice = owner.locator("[data-choice=team-e2e]");
    await choice.waitFor({ timeout: 20_000 });
    expect(await choice.textContent()).toMatch(/Team \(e2e\).*\$99\.00 \/ month.*3,000 min included/);
    await choice.getByRole("radio").check();
    await choice.scrollIntoViewIfNeeded();
    await owner.screenshot({ path: shot("picker-new-plan"), fullPage: true });

    // Archived: still listed for the Admin, marked; no longer offered to the Owner.
    const asked: string[] = [];
    admin.once("dialog", (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await admin.getByRole("button", { name: "Archive Team (e2e)" }).click();
    await expect.poll(() => asked).toEqual([expect.stringMatching(/^Archive Team \(e2e\)\? Spaces on it keep it/)]);
    await expect.poll(() => row.locator(".badge").textContent()).toBe("Archived");
    await admin.getByRole("button", { name: "Restore Team (e2e)" }).waitFor();
    await owner.reload();
    await owner.locator("[data-choice=scale]").waitFor({ timeout: 20_000 });
    expect(await owner.locator("[data-choice=team-e2e]").count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
