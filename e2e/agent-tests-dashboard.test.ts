// The agent editor's Tests tab in real headless Chromium against the local stack with the voice
// runtime (runs execute in text mode with the offline scripted LLM). On a copy of the demo agent
// the Owner creates a scripted case ("Hello there" → the reply contains "How can I help"), marks it
// required, runs it and sees it pass; changes the expectation so it fails, runs again and sees the
// failure (which expectation, on which turn, why) and the diff with the previous run. Publishing is
// then refused with the failures: a Member cannot override, the Owner publishes anyway and the
// version's history says the tests were overridden. Last, a real web call's session is saved as a
// test from its detail page, which opens the new case in the agent's Tests tab.
// Screenshots go to e2e/artifacts/agent-tests-*.png. Build first (`node scripts/build.ts`).
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Agent, TestCase } from "@speaknode/contracts";
import { demoAgentId } from "@speaknode/db";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import { artifactsDir, launchChromium, signedInPage } from "./lib.ts";
import { axeFindings } from "./axe.ts";
import { finishedWebCall } from "./web-call.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-agent-tests-"));
const shot = (name: string) => join(artifactsDir, `agent-tests-${name}.png`);
const caseName = "Greets and offers help";

let stack: LocalStack;
let browser: Browser;
let ownerToken = "";
let agentId = "";
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ownerToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

beforeAll(async () => {
  mkdirSync(artifactsDir, { recursive: true });
  for (const f of readdirSync(artifactsDir).filter((n) => n.startsWith("agent-tests-"))) rmSync(join(artifactsDir, f), { force: true });
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  ownerToken = await token(stack.url);
  const demo = await api<Agent>("GET", `/v1/agents/${demoAgentId}`);
  const { id: _id, spaceId: _space, version: _version, published: _published, publishedVersion: _pv, createdAt: _c, updatedAt: _u, ...config } = demo;
  agentId = (await api<Agent>("POST", `/v1/spaces/${stack.demoSpaceId}/agents`, { ...config, name: "Tested receptionist" })).id;
  browser = await launchChromium({ mic: "none" });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const editorUrl = () => `${stack.url}/app/spaces/${stack.demoSpaceId}/agents/${agentId}`;
const runPanel = (page: Page) => page.getByRole("region", { name: "Test run" });

/** Run every case from the Tests tab and wait until the run shows as finished. */
async function runAll(page: Page, cases: number): Promise<void> {
  const started = page.waitForResponse((r) => r.url().endsWith(`/agents/${agentId}/test-runs`) && r.request().method() === "POST");
  await page.getByRole("button", { name: `Run all ${cases} case${cases === 1 ? "" : "s"}` }).click();
  expect((await started).status()).toBe(202);
  await runPanel(page).getByText(/^Finished/).waitFor({ timeout: 90_000 });
}

describe("agent test cases in the dashboard", () => {
  let owner: Page;

  it("creates a scripted case on the Tests tab and marks it required", async () => {
    owner = await signedInPage(browser, stack.url, "Olivia Owner", { contexts, pageErrors });
    await owner.goto(editorUrl());
    await owner.getByRole("tab", { name: "Tests" }).click({ timeout: 20_000 });
    await owner.getByText("No test cases yet.").waitFor();
    await owner.getByRole("button", { name: "New test case" }).click();
    const form = owner.getByRole("form", { name: "New test case" });
    await form.getByLabel("Name", { exact: true }).fill(caseName);
    await form.getByLabel("Turn 1 caller says").fill("Hello there");
    await form.locator(".turns").getByRole("button", { name: "Add an expectation" }).click();
    await form.getByLabel("Turn 1 expectation 1 kind").selectOption("reply_contains");
    await form.getByLabel("Turn 1 expectation 1 text").fill("How can I help");
    await form.locator(".turns").getByRole("button", { name: "Add an expectation" }).click();
    await form.getByLabel("Turn 1 expectation 2 kind").selectOption("no_tool_called");
    // A mock for a tool the agent does not have: the API refuses it at the mock's field.
    await form.getByRole("button", { name: "Add a tool mock" }).click();
    await form.getByLabel("Mock 1 tool").fill("no_such_tool");
    await form.getByRole("button", { name: "Create test case" }).click();
    await form.getByLabel("Mock 1 tool").and(owner.locator("[aria-invalid=true]")).waitFor({ timeout: 10_000 });
    await owner.screenshot({ path: shot("field-error"), fullPage: true });
    await form.getByRole("button", { name: "Remove" }).last().click();
    await form.getByRole("button", { name: "Create test case" }).click();
    await owner.getByRole("form", { name: `Test case ${caseName}` }).waitFor();
    await owner.getByLabel(`${caseName} required to publish`).check();
    await expect.poll(async () => (await api<{ data: TestCase[] }>("GET", `/v1/agents/${agentId}/test-cases`)).data.map((c) => [c.name, c.required])).toEqual([[caseName, true]]);
    await owner.screenshot({ path: shot("created"), fullPage: true });
  });

  it("runs it and sees it pass, with the transcript", async () => {
    await runAll(owner, 1);
    const panel = runPanel(owner);
    await panel.getByRole("heading", { name: /Run of Draft passed/ }).waitFor();
    expect(await panel.getByText("No earlier finished run of this version to compare with.").count()).toBe(1);
    await panel.locator("details.result summary").first().click();
    await panel.getByText("Caller (turn 1)").waitFor();
    await panel.getByText("Hello there", { exact: true }).waitFor();
    await owner.screenshot({ path: shot("passed"), fullPage: true });
  });

  it("changes the expectation so the case fails, runs it and sees why, and what changed since the last run", async () => {
    const form = owner.getByRole("form", { name: `Test case ${caseName}` });
    await form.getByLabel("Turn 1 expectation 1 text").fill("our opening hours are nine to five");
    await form.getByRole("button", { name: "Save test case" }).click();
    await owner.getByText("Saving…").waitFor({ state: "detached" });
    await runAll(owner, 1);
    const panel = runPanel(owner);
    await panel.getByRole("heading", { name: /Run of Draft failed/ }).waitFor();
    const failure = panel.locator("ul.failures li").first();
    expect(await failure.textContent()).toMatch(/^Turn 1 · reply contains "our opening hours are nine to five": turn 1: expected the reply to contain/);
    const changes = panel.getByLabel("Changes since the previous run");
    await changes.getByText("1 case changed status.").waitFor();
    const row = changes.locator("tbody tr").first();
    expect((await row.textContent())?.replace(/\s+/g, " ")).toMatch(new RegExp(`^${caseName}passed 100 %failed 0 %$`));
    await owner.screenshot({ path: shot("failed-diff"), fullPage: true });
    expect(await axeFindings(owner)).toEqual([]);
    // The history lists both runs of the draft with their pass rates.
    const history = owner.locator("table.test-runs tbody tr");
    expect(await history.count()).toBe(2);
    expect(await history.first().textContent()).toContain("0 %");
    expect(await history.last().textContent()).toContain("100 %");
  });

  it("refuses to publish while the required case fails; a Member may not override", async () => {
    const member = await signedInPage(browser, stack.url, "Milo Member", { contexts, pageErrors });
    await member.goto(editorUrl());
    await member.getByRole("tab", { name: "Publish" }).click({ timeout: 20_000 });
    await member.getByText(/Every check passed/).waitFor({ timeout: 20_000 });
    await member.getByRole("button", { name: "Publish the draft" }).click();
    const gate = member.getByRole("alert", { name: "Required tests failed" });
    await gate.waitFor({ timeout: 90_000 });
    await gate.getByText(caseName).waitFor();
    await gate.getByText("Only an Owner of this space can publish despite failed required tests.").waitFor();
    expect(await gate.getByRole("button", { name: "Publish anyway" }).count()).toBe(0);
    await member.screenshot({ path: shot("gate-member"), fullPage: true });
    expect((await api<Agent>("GET", `/v1/agents/${agentId}`)).published).toBe(false);
  });

  it("lets the Owner open the gate's run and publish anyway; the version records the override", async () => {
    await owner.getByRole("tab", { name: "Publish" }).click();
    await owner.getByText(/Every check passed/).waitFor({ timeout: 20_000 });
    await owner.getByRole("button", { name: "Publish the draft" }).click();
    const gate = owner.getByRole("alert", { name: "Required tests failed" });
    await gate.waitFor({ timeout: 90_000 });
    expect(await gate.textContent()).toMatch(/1 failed/);
    await gate.getByRole("button", { name: "Open the run" }).click();
    await runPanel(owner).getByText(/publish ·/).waitFor();
    await owner.screenshot({ path: shot("gate-run"), fullPage: true });

    await owner.getByRole("tab", { name: "Publish" }).click();
    await owner.getByLabel("Note for the overriding version").fill("Known greeting change");
    owner.once("dialog", (d) => void d.accept());
    await owner.getByRole("button", { name: "Publish anyway" }).click();
    await owner.getByText("Published v1").waitFor({ timeout: 90_000 });
    await owner.getByText("tests failed — overridden").waitFor({ timeout: 20_000 });
    await owner.screenshot({ path: shot("overridden"), fullPage: true });
    const v1 = await api<{ note: string | null; testGate: unknown }>("GET", `/v1/agents/${agentId}/versions/1`);
    expect(v1.note).toBe("Known greeting change");
    expect(v1.testGate).toMatchObject({ overridden: true, failed: 1, failures: [{ caseName }] });
  });

  it("saves a real call's session as a test case from its detail page, opening it on the Tests tab", async () => {
    const sessionId = await finishedWebCall({ url: stack.url, agentId, scratch, statusOf: async (id) => (await api<{ status: string }>("GET", `/v1/sessions/${id}`)).status });
    await owner.goto(`${stack.url}/app/spaces/${stack.demoSpaceId}/sessions/${sessionId}`);
    await owner.getByRole("button", { name: "Save as test case" }).click({ timeout: 30_000 });
    await owner.waitForURL((u) => u.pathname.endsWith(`/agents/${agentId}`) && u.searchParams.get("tab") === "tests" && (u.searchParams.get("case") ?? "").startsWith("atc_"), { timeout: 20_000 });
    expect(await owner.getByRole("tab", { name: "Tests" }).getAttribute("aria-selected")).toBe("true");
    const form = owner.getByRole("form", { name: /^Test case From session/ });
    await form.waitFor({ timeout: 20_000 });
    expect(await form.getByLabel("Turn 1 caller says").inputValue()).not.toBe("");
    await owner.getByText("(from a call)").waitFor();
    await owner.screenshot({ path: shot("from-session"), fullPage: true });
    const saved = (await api<{ data: TestCase[] }>("GET", `/v1/agents/${agentId}/test-cases`)).data.find((c) => c.sourceSessionId === sessionId);
    expect(saved?.caller.kind).toBe("scripted");
    expect(pageErrors).toEqual([]);
  });
});
