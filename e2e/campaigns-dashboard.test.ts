// The dashboard's Campaigns section in real headless Chromium against the whole local stack (with
// the Twilio simulator): as the demo space's owner, create a campaign through the wizard — the demo
// agent, the demo number, a small CSV checked as a dry run (an invalid row and a duplicate reported
// with their row numbers, the mapping edited so the greeting names each contact, then a clean file
// added), calling hours every day, no retries — review it, launch it, and watch its page: the live
// connection, a call in progress with a link to its session, results as the simulated phones answer
// busy or not at all, the items table and drawer, pause and resume, and the CSV export.
// Screenshots go to /tmp/campaign-shots/ (list, mapping and preview, review, monitor).
// The Worker serves the dashboard from build/public: build first (`npm run build`).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { demoPhoneNumber } from "@speaknode/db";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import { toCsv } from "../scripts/campaign-client.ts";
import { launchChromium, signInToDashboard } from "./lib.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-campaigns-ui-"));
const shotsDir = "/tmp/campaign-shots";
const shot = (name: string) => join(shotsDir, `${name}.png`);
const campaignName = "December renewals (e2e)";
const contacts = [
  { phone: "+12125550301", name: "Ada", does: { answer: "busy" as const } },
  { phone: "+12125550302", name: "Grace", does: { answer: "no-answer" as const, ringMs: 12_000 } },
];

let stack: LocalStack;
let browser: Browser;
let page: Page;
let spaceId = "";
let campaignId = "";
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(shotsDir, { recursive: true });
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort(), twilioSimulatorPort: 0 });
  if (!stack.twilio) throw new Error("the stack started without its Twilio simulator");
  for (const c of contacts) stack.twilio.setPhone(c.phone, c.does);
  spaceId = stack.demoSpaceId;
  browser = await launchChromium({ mic: "none" });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const wizardStep = () => page.locator(".wizard .card[data-step]").getAttribute("data-step");
const next = () => page.locator(".wizard .nav-buttons").getByRole("button", { name: /^(Next|Launch campaign)$/ }).click();

describe("the Campaigns section, as the space's owner", () => {
  it("opens the empty list from the space's navigation", async () => {
    await signInToDashboard(page, stack.url, "Olivia Owner");
    await page.locator("header nav").getByRole("link", { name: "Campaigns" }).click();
    await page.waitForURL((u) => u.pathname === `/app/spaces/${spaceId}/campaigns`);
    await page.getByText("No campaign yet").waitFor({ timeout: 20_000 });
  });

  it("picks the published agent and the demo number; leaving step 2 creates the draft", async () => {
    await page.getByRole("link", { name: "New campaign" }).click();
    await page.getByLabel("Campaign name").fill(campaignName);
    await page.getByRole("radio", { name: /Demo receptionist/ }).check();
    await expect.poll(() => page.locator(".choice.selected").textContent()).toMatch(/Published v1/);
    await next();
    expect(await wizardStep()).toBe("2");
    await page.getByRole("checkbox", { name: new RegExp(demoPhoneNumber.replace("+", "\\+")) }).check();
    await next();
    await page.waitForURL((u) => u.searchParams.get("draft")?.startsWith("cmp_") === true, { timeout: 20_000 });
    campaignId = new URL(page.url()).searchParams.get("draft") ?? "";
    expect(await wizardStep()).toBe("3");
  });

  it("checks a CSV as a dry run: invalid and duplicate rows with their row numbers, the mapping edited, the greeting previewed", async () => {
    const rows = [...contacts.map((c) => [c.phone, c.name]), ["not-a-number", "Alan"], [contacts[0]?.phone ?? "", "Ada again"]];
    await page.locator('input[type="file"]').setInputFiles({ name: "contacts.csv", mimeType: "text/csv", buffer: Buffer.from(toCsv(["phone", "first_name"], rows)) });
    const report = page.getByTestId("contacts-report");
    await report.waitFor({ timeout: 20_000 });
    await expect.poll(() => report.locator(".counts").textContent()).toMatch(/4 rows.*2 valid.*1 invalid.*1 duplicate/);
    const invalid = report.locator("details", { hasText: "Invalid rows" });
    await expect.poll(() => invalid.locator("tbody tr").first().textContent()).toMatch(/^3/);
    await expect.poll(() => report.locator("details", { hasText: "Duplicates" }).locator("tbody tr").first().textContent()).toMatch(/^4/);
    // A file with an invalid row is refused as a whole: adding waits for a clean file.
    expect(await report.getByRole("button", { name: /^Add \d+ contacts?$/ }).isDisabled()).toBe(true);

    // `first_name` is not a name the guess knows: map it to {{customer_name}} by hand.
    await report.getByLabel("Column for customer_name").selectOption("first_name");
    await report.getByRole("button", { name: "Save mapping and check again" }).click();
    await expect.poll(() => report.locator(".preview tbody tr").first().textContent(), { timeout: 20_000 }).toMatch(/Hello Ada!/);
    await page.screenshot({ path: shot("wizard-mapping-preview"), fullPage: true });
  });

  it("adds a clean file (the duplicate skipped) and sets calling hours for every day without retries", async () => {
    const rows = [...contacts.map((c) => [c.phone, c.name]), [contacts[0]?.phone ?? "", "Ada again"]];
    await page.locator('input[type="file"]').setInputFiles({ name: "contacts-fixed.csv", mimeType: "text/csv", buffer: Buffer.from(toCsv(["phone", "first_name"], rows)) });
    const report = page.getByTestId("contacts-report");
    await expect.poll(() => report.locator(".counts").textContent(), { timeout: 20_000 }).toMatch(/3 rows.*2 valid.*1 duplicate/);
    await report.getByRole("button", { name: "Add 2 contacts" }).click();
    await expect.poll(() => page.getByTestId("contacts-added").textContent(), { timeout: 20_000 }).toMatch(/2 contacts in this campaign/);
    await next();
    expect(await wizardStep()).toBe("4");

    for (const day of ["Sat", "Sun"]) await page.getByRole("group", { name: "Window 1 days" }).getByRole("button", { name: day }).click();
    await page.getByLabel("Window 1 start").fill("00:00");
    await page.getByLabel("Window 1 end").fill("23:59");
    // A bad value is shown under its field and nothing is sent.
    await page.getByLabel("Calls at once").fill("500");
    await next();
    await page.locator("label.invalid", { hasText: "Calls at once" }).waitFor();
    expect(await wizardStep()).toBe("4");
    await page.screenshot({ path: shot("wizard-schedule"), fullPage: true });
    await page.getByLabel("Calls at once").fill("2");
    for (const kind of ["No answer", "Busy", "Voicemail", "Failed call"]) await page.getByLabel(`${kind} retries`).fill("0");
    await page.getByRole("radio", { name: "Hang up" }).check();
    await next();
    await expect.poll(wizardStep).toBe("5");
    const review = page.locator("dl.review");
    await expect.poll(() => review.textContent()).toMatch(/Every day 00:00–23:59/);
    await expect.poll(() => review.textContent()).toMatch(/v1 will be pinned/);
    await expect.poll(() => review.textContent()).toMatch(/Contacts\s*2/);
    await page.screenshot({ path: shot("wizard-review"), fullPage: true });
  });

  it("launches and lands on the campaign's page, live: a call in progress, then results", async () => {
    await next();
    await page.waitForURL((u) => u.pathname === `/app/spaces/${spaceId}/campaigns/${campaignId}`, { timeout: 20_000 });
    await page.locator(".monitor .badge", { hasText: /Running|Completed/ }).first().waitFor({ timeout: 20_000 });
    await page.getByTestId("live-line").getByText("Live").waitFor({ timeout: 30_000 });
    // Grace's phone rings for 12 s: her call is in progress, with its session's live view.
    const liveLink = page.locator(".monitor .card", { hasText: "Calls in progress" }).getByRole("link", { name: "live view" });
    await liveLink.first().waitFor({ timeout: 30_000 });
    expect(await liveLink.first().getAttribute("href")).toMatch(new RegExp(`/app/spaces/${spaceId}/sessions/ses_`));
    await page.locator(".monitor .card", { hasText: "Recent results" }).getByText("Busy").waitFor({ timeout: 30_000 });
    // The live frame is followed by a fresh summary and items table, without a reload.
    await expect.poll(() => page.getByTestId("summary-tiles").textContent(), { timeout: 10_000 }).toContain("1Busy");
    await expect.poll(() => page.locator(`[data-section=items] tbody tr`).first().textContent(), { timeout: 10_000 }).toMatch(/Failed.*Busy/);
    await page.screenshot({ path: shot("monitor-live"), fullPage: true });
  });

  it("pauses and resumes", async () => {
    const pause = page.getByRole("button", { name: "Pause" });
    if (await pause.isVisible()) {
      await pause.click();
      await page.locator(".monitor h1 + .badge", { hasText: "Paused" }).waitFor({ timeout: 10_000 });
      await page.getByRole("button", { name: "Resume" }).click();
      await page.locator(".monitor h1 + .badge", { hasText: /Running|Completed/ }).waitFor({ timeout: 10_000 });
    }
  });

  it("ends with every contact final, filters the items, opens one with its attempts, exports CSV", async () => {
    await page.locator(".monitor h1 + .badge", { hasText: "Completed" }).waitFor({ timeout: 90_000 });
    // The tiles show the API's summary (how each call is classified is the runner's business).
    const res = await fetch(`${stack.url}/v1/campaigns/${campaignId}`, { headers: { authorization: `Bearer ${await token(stack.url)}` } });
    const { summary } = (await res.json()) as { summary: Record<string, number> };
    const tiles = page.getByTestId("summary-tiles");
    await expect.poll(() => tiles.textContent(), { timeout: 15_000 }).toMatch(new RegExp(`${summary["busy"]}Busy`));
    for (const [key, label] of [["reached", "Reached"], ["noAnswer", "No answer"], ["failed", "Failed"], ["attempts", "Calls placed"]] as const) {
      await expect.poll(() => tiles.textContent()).toContain(`${summary[key]}${label}`);
    }
    expect(summary["busy"]).toBe(1);
    const items = page.locator("[data-section=items]");
    await expect.poll(() => items.locator("tbody tr").count(), { timeout: 15_000 }).toBe(2);
    await items.getByLabel("Last outcome").selectOption("busy");
    await expect.poll(() => items.locator("tbody tr").count()).toBe(1);
    await expect.poll(() => items.locator("tbody tr").first().textContent()).toContain(contacts[0]?.phone ?? "");
    await items.locator("tbody tr").first().click();
    const drawer = page.getByRole("complementary", { name: "Contact" });
    await expect.poll(() => drawer.textContent(), { timeout: 10_000 }).toMatch(/customer_name\s*Ada/);
    expect(await drawer.getByRole("link", { name: "open" }).first().getAttribute("href")).toMatch(/\/sessions\/ses_/);
    await page.screenshot({ path: shot("monitor-drawer"), fullPage: true });
    await drawer.getByRole("button", { name: "Close" }).click();

    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const file = await (await download).path();
    const csv = readFileSync(file, "utf8");
    for (const c of contacts) expect(csv).toContain(c.phone);
  });

  it("lists the campaign with its agent, status and progress", async () => {
    await page.getByRole("link", { name: "All campaigns" }).click();
    const row = page.locator(`tr[data-campaign="${campaignId}"]`);
    await row.waitFor({ timeout: 20_000 });
    await expect.poll(() => row.textContent()).toMatch(new RegExp(`${campaignName.replace(/[()]/g, "\\$&")}.*Demo receptionist.*v1.*Completed.*100% of 2`));
    await page.screenshot({ path: shot("list"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
