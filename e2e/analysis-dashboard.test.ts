// Post-call analysis in the dashboard, in real headless Chromium against the local stack (embedded
// Postgres, the Worker in wrangler dev; no voice runtime: the analysed sessions are written
// straight into the stack's database, as the analysis consumer would leave them). The Owner sets
// the demo agent's Analysis tab (summary prompt, a structured data field with allowed values, a
// pass/fail rubric) and saves it — the API returns the same settings; a session's page shows its
// completed analysis (summary, data, verdict, model) and another's "not configured" reason; the
// sessions list filtered on success = false lists the failed one only; the analytics page shows the
// success rate and the counts of the enum field's values. Screenshots go to e2e/artifacts/analysis-*.png.
// The Worker serves the dashboard from build/public: build first (`node_modules/.bin/node scripts/build.ts`).
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { analysisNotConfiguredReasons, newId, type AnalysisOutput } from "@speaknode/contracts";
import { createDatabase, sessions, sessionTurns } from "@speaknode/db";
import { ws } from "@speaknode/db/node";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import { artifactsDir, launchChromium, signedInPage } from "./lib.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-analysis-dashboard-"));
const shot = (name: string) => join(artifactsDir, `analysis-${name}.png`);

let stack: LocalStack;
let browser: Browser;
let ownerToken = "";
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const ids = { passed: newId("session"), failed: newId("session"), scripted: newId("session") };

beforeAll(async () => {
  mkdirSync(artifactsDir, { recursive: true });
  for (const f of readdirSync(artifactsDir).filter((n) => n.startsWith("analysis-"))) rmSync(join(artifactsDir, f), { force: true });
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true });
  ownerToken = await token(stack.url);
  browser = await launchChromium({ mic: "none" });
  await seedAnalysedSessions();
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const result = (passed: boolean, reason: string, summary: string): AnalysisOutput => ({ summary, data: { reason, booked: passed }, success: { passed, score: null, reason: passed ? "The order status was given." : "The caller hung up unanswered." } });

/** Three ended sessions of the demo agent: analysed and passed, analysed and failed, and one the scripted LLM could not analyse. */
async function seedAnalysedSessions(): Promise<void> {
  const seed = createDatabase({ url: stack.database.databaseUrl, localProxy: stack.database.localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof WebSocket, max: 1 });
  try {
    const now = Date.now();
    const base = { spaceId: stack.demoSpaceId, agentId: stack.demoAgentId, agentVersion: 1, status: "completed" as const, channel: "web" as const, language: "en-US", mediaDriver: "local" };
    const analysed = (passed: boolean, reason: string, summary: string) => ({
      analysisStatus: "completed",
      analysisResult: result(passed, reason, summary),
      analysisPassed: passed,
      analysisAttempts: 1,
      analysisModel: "openai-compatible/e2e-model",
      analyzedAt: new Date(),
    });
    const rows = [
      { ...base, id: ids.passed, createdAt: new Date(now - 120_000), startedAt: new Date(now - 120_000), endedAt: new Date(now - 90_000), ...analysed(true, "order", "The caller asked about order 42; the agent gave its status.") },
      { ...base, id: ids.failed, createdAt: new Date(now - 60_000), startedAt: new Date(now - 60_000), endedAt: new Date(now - 50_000), ...analysed(false, "refund", "The caller wanted a refund and hung up.") },
      { ...base, id: ids.scripted, createdAt: new Date(now - 30_000), startedAt: new Date(now - 30_000), endedAt: new Date(now - 20_000), analysisStatus: "not_configured", analysisReason: analysisNotConfiguredReasons.scriptedLlm },
    ];
    for (const row of rows) await seed.db.insert(sessions).values(row);
    const at = new Date(now - 118_000);
    await seed.db.insert(sessionTurns).values([
      { sessionId: ids.passed, eventId: "t1", turnId: "t1", role: "user", text: "Where is my order 42?", startedAt: at, endedAt: at },
      { sessionId: ids.passed, eventId: "t2", turnId: "t2", role: "agent", text: "Order 42 has shipped.", startedAt: at, endedAt: at },
    ]);
  } finally {
    await seed.close();
  }
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${ownerToken}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const spaceUrl = (page: string) => `${stack.url}/app/spaces/${stack.demoSpaceId}/${page}`;

describe("post-call analysis in the dashboard", () => {
  let owner: Page;

  it("the Analysis tab saves a summary prompt, a field with allowed values and a pass/fail rubric; the API returns them", async () => {
    owner = await signedInPage(browser, stack.url, "Olivia Owner", { contexts, pageErrors });
    await owner.goto(spaceUrl(`agents/${stack.demoAgentId}`));
    await owner.getByRole("tab", { name: "Analysis" }).click({ timeout: 20_000 });
    await owner.getByLabel(/^Summary prompt/).fill("Summarise what the caller wanted and what was done.");
    await owner.getByRole("button", { name: "Add a property" }).click();
    await owner.getByLabel("Property 1 name").fill("reason");
    await owner.getByLabel("Property 1 allowed values").fill("order, refund, other");
    await owner.getByLabel("Property 1 description").fill("Why they called");
    // Allowed values on a number are refused in place, before any save.
    await owner.getByRole("button", { name: "Add a property" }).click();
    await owner.getByLabel("Property 2 name").fill("items");
    await owner.getByLabel("Property 2 type").selectOption("integer");
    await owner.getByLabel("Property 2 allowed values").fill("1, 2");
    await owner.getByText("only a text (string) field can list its values").waitFor();
    await owner.getByLabel("Property 2 allowed values").fill("");
    await owner.getByLabel(/^Evaluation/).selectOption("pass_fail");
    // A pass/fail evaluation without a rubric: the field says so once a save is tried.
    await owner.getByRole("button", { name: "Save", exact: true }).click();
    // Under the Rubric field itself (the editor's summary of errors names it too).
    await owner.locator("label.invalid", { hasText: /^Rubric/ }).getByText("a success evaluation needs a rubric").waitFor({ timeout: 10_000 });
    await owner.screenshot({ path: shot("tab-error"), fullPage: true });
    await owner.getByLabel(/^Rubric/).fill("A success: the caller's question was answered.");
    const saved = owner.waitForResponse((r) => r.request().method() === "PATCH" && r.url().endsWith(`/v1/agents/${stack.demoAgentId}`));
    await owner.getByRole("button", { name: "Save", exact: true }).click();
    expect((await saved).status()).toBe(200);
    await owner.screenshot({ path: shot("tab"), fullPage: true });

    const agent = await api<{ analysis: unknown }>(`/v1/agents/${stack.demoAgentId}`);
    expect(agent.analysis).toEqual({
      summaryPrompt: "Summarise what the caller wanted and what was done.",
      structuredData: { type: "object", properties: { reason: { type: "string", description: "Why they called", enum: ["order", "refund", "other"] }, items: { type: "integer" } }, required: [] },
      success: { kind: "pass_fail", rubric: "A success: the caller's question was answered.", scoreMax: 10, passScore: 7 },
    });
    // Reloaded, the tab shows what was saved.
    await owner.reload();
    await owner.getByRole("tab", { name: "Analysis" }).click({ timeout: 20_000 });
    expect(await owner.getByLabel("Property 1 allowed values").inputValue()).toBe("order, refund, other");
    expect(await owner.getByLabel(/^Rubric/).inputValue()).toBe("A success: the caller's question was answered.");
  });

  it("a session's page shows its completed analysis, and another's reason for having none", async () => {
    await owner.goto(spaceUrl(`sessions/${ids.passed}`));
    const card = owner.locator(".session-analysis");
    await card.waitFor({ timeout: 20_000 });
    expect(await card.getAttribute("data-analysis-status")).toBe("completed");
    const text = (await card.textContent()) ?? "";
    expect(text).toContain("The caller asked about order 42; the agent gave its status.");
    expect(text).toContain("reason");
    expect(text).toContain("order");
    expect(text).toContain("Passed");
    expect(text).toContain("The order status was given.");
    expect(text).toContain("openai-compatible/e2e-model");
    expect(await owner.getByRole("button", { name: "Save as test case" }).count()).toBe(1);
    await owner.screenshot({ path: shot("session"), fullPage: true });

    await owner.goto(spaceUrl(`sessions/${ids.scripted}`));
    await owner.locator(".session-analysis[data-analysis-status=not_configured]").waitFor({ timeout: 20_000 });
    expect(await owner.locator(".session-analysis").textContent()).toContain(analysisNotConfiguredReasons.scriptedLlm);
    await owner.screenshot({ path: shot("session-not-configured"), fullPage: true });
  });

  it("the sessions list filtered on success = false lists the failed session only, with its verdict", async () => {
    await owner.goto(spaceUrl("sessions"));
    await owner.locator("table.sessions-table tbody tr").first().waitFor({ timeout: 20_000 });
    const listed = owner.waitForResponse((r) => r.url().includes("/sessions?") && r.url().includes("success=false"));
    await owner.getByLabel("Success").selectOption("false");
    expect((await listed).status()).toBe(200);
    await expect.poll(() => owner.locator("table.sessions-table tbody tr").count(), { timeout: 10_000 }).toBe(1);
    const row = owner.locator("table.sessions-table tbody tr").first();
    expect(await row.locator("a").getAttribute("href")).toContain(ids.failed);
    expect(await row.locator(".analysis-verdict").textContent()).toBe("Failed");
    await owner.screenshot({ path: shot("sessions-failed"), fullPage: true });
  });

  it("the analytics page shows the success rate and the counts of the field's values", async () => {
    await owner.goto(spaceUrl("analytics"));
    const rate = owner.locator("[data-total=successRate] dd");
    await rate.waitFor({ timeout: 20_000 });
    expect(await rate.textContent()).toContain("50.0%");
    expect(await rate.textContent()).toContain("1 of 2 evaluated");
    expect(await owner.locator("[data-chart=chart-success] svg desc").textContent()).toMatch(/Share of evaluated sessions that succeeded per day/);
    const counts = owner.locator("[data-enum-field=reason]");
    expect(await counts.locator("[data-enum-value=order] .enum-count").textContent()).toMatch(/^1 /);
    expect(await counts.locator("[data-enum-value=refund] .enum-count").textContent()).toMatch(/^1 /);
    expect(await counts.locator("[data-enum-value=other] .enum-count").textContent()).toMatch(/^0 /);
    await owner.locator(".analytics-analysis").scrollIntoViewIfNeeded();
    await owner.screenshot({ path: shot("analytics"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
