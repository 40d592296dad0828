// Accessibility in real headless Chromium against the whole local stack: axe-core (injected into
// each page) audits every dashboard page the seeded owner and the platform admin reach, each tab
// of the agent editor, the accept-invitation page, and the website widget (launcher, open panel in
// a call, error state) on a customer's page and on the agent's hosted page. A test fails on any
// violation of impact serious or critical under WCAG 2.0/2.1 A and AA and axe's best practices,
// naming the rule, the elements (target selectors) and the page. Each audited page is saved as
// e2e/artifacts/a11y/<page>.png with all its violations (any impact) in <page>.json.
// The Worker serves the dashboard and widget from build/: build first (`npx node scripts/build.ts`).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AxeResults } from "axe-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { demoAgentId, demoPhoneNumberId, demoSpaceId, demoToolId } from "@speaknode/db";
import { freePort, root, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import { artifactsDir, hostPageHtml, launchChromium, signInToDashboard, silentWav, startHostPage, waitForState, watchPage } from "./lib.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-a11y-"));
const shotsDir = join(artifactsDir, "a11y");
const axePath = join(root, "node_modules", "axe-core", "axe.min.js");
const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
/** Rules of lesser impact that fail too: the issue found these, and they were fixed. */
const alsoFailing = new Set(["empty-table-header", "heading-order", "page-has-heading-one"]);
const space = `/app/spaces/${demoSpaceId}`;

let stack: LocalStack;
let host: { url: string; close(): Promise<void> };
const browsers: Browser[] = [];
let owner: Page;
let ownerToken: string;

interface Finding {
  rule: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Injects axe-core into `page`, audits the document (open shadow roots included), saves the
 * screenshot and every finding as `name`.png/.json, and returns the serious and critical ones.
 */
async function audit(page: Page, name: string): Promise<Finding[]> {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async (values) => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<AxeResults> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values }, resultTypes: ["violations"] });
    return result.violations.map((v) => ({ rule: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
  }, tags);
  // Other browser tests clear e2e/artifacts when they start: make the folder again if it went.
  mkdirSync(shotsDir, { recursive: true });
  await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });
  writeFileSync(join(shotsDir, `${name}.json`), `${JSON.stringify({ url: page.url(), violations }, null, 2)}\n`);
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical" || alsoFailing.has(v.rule));
}

function report(name: string, url: string, found: Finding[]): string {
  return [`${found.length} axe violation(s) on ${name} (${url}):`, ...found.map((f) => `  [${f.impact}] ${f.rule}: ${f.help}\n    ${f.targets.join("\n    ")}`)].join("\n");
}

async function expectAccessible(page: Page, name: string): Promise<void> {
  const found = await audit(page, name);
  expect(found, report(name, page.url(), found)).toEqual([]);
}

/** Opens an app path and waits for its heading and for its data to settle. */
async function visit(page: Page, path: string, ready: string = "main h1, h1"): Promise<void> {
  await page.goto(`${stack.url}${path}`);
  await page
    .locator(ready)
    .first()
    .waitFor({ timeout: 30_000 })
    .catch(async (err: unknown) => {
      throw new Error(`${path} showed no heading: ${String(err)}\npage text: ${(await page.locator("body").innerText()).slice(0, 600)}`);
    });
  await page.waitForLoadState("networkidle", { timeout: 5_000 }).catch(() => undefined);
  await page.getByText("Loading…", { exact: true }).first().waitFor({ state: "detached", timeout: 10_000 }).catch(() => undefined);
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ownerToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function signedIn(browser: Browser, who: string): Promise<Page> {
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 860 }, bypassCSP: true });
  const page = await context.newPage();
  // Two tries: on a machine busy with other browser tests the issuer's redirect can be slow.
  await signInToDashboard(page, stack.url, who).catch(() => signInToDashboard(page, stack.url, who));
  return page;
}

beforeAll(async () => {
  rmSync(shotsDir, { recursive: true, force: true });
  mkdirSync(shotsDir, { recursive: true });
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  host = await startHostPage(hostPageHtml(stack.url, demoAgentId));
  ownerToken = await token(stack.url);
});

afterAll(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await host?.close();
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe("the website widget has no serious accessibility violations", () => {
  let page: Page;
  beforeAll(async () => {
    const browser = await launchChromium({ mic: "grant", micWav: silentWav(scratch, 30) });
    browsers.push(browser);
    const context = await browser.newContext({ viewport: { width: 900, height: 640 }, bypassCSP: true });
    page = await context.newPage();
    await watchPage(page);
  });

  it("shows an accessible launcher on a customer's page", async () => {
    await page.goto(host.url);
    await waitForState(page, ["idle"], 20_000);
    await expectAccessible(page, "widget-launcher");
  });

  it("keeps the open panel accessible during a call", async () => {
    await page.locator("speacknode-agent").getByRole("button").first().click();
    // The panel is open from "connecting" on; audit it once the agent speaks or listens.
    await waitForState(page, ["speaking", "listening"], 60_000).catch(() => undefined);
    try {
      await expectAccessible(page, "widget-in-call");
    } finally {
      // End the call so the session completes (the sessions pages below show it).
      await page.locator("speacknode-agent").getByRole("button", { name: "End call" }).click().catch(() => undefined);
      await waitForState(page, ["ended", "idle"], 20_000).catch(() => undefined);
    }
  });

  it("shows an accessible error when the visitor refuses the microphone", async () => {
    const browser = await launchChromium({ mic: "deny" });
    browsers.push(browser);
    const denied = await (await browser.newContext({ viewport: { width: 900, height: 640 }, bypassCSP: true })).newPage();
    await watchPage(denied);
    await denied.goto(host.url);
    await waitForState(denied, ["idle"], 20_000);
    await denied.locator("speacknode-agent").getByRole("button").first().click();
    await waitForState(denied, ["error"], 30_000);
    await expectAccessible(denied, "widget-error");
  });

  it("serves an accessible hosted page for the agent", async () => {
    const hosted = await page.context().newPage();
    await watchPage(hosted);
    await hosted.goto(`${stack.url}/a/${demoAgentId}`);
    await waitForState(hosted, ["idle"], 20_000);
    await expectAccessible(hosted, "hosted-page");
  });
});

describe("every dashboard page has no serious accessibility violations", () => {
  beforeAll(async () => {
    const browser = await launchChromium({ mic: "grant", micWav: silentWav(join(scratch, "dash"), 5) });
    browsers.push(browser);
    owner = await signedIn(browser, "Olivia Owner");
  });

  const pages: [string, string][] = [
    ["agents", `${space}/agents`],
    ["tools", `${space}/tools`],
    ["tool-editor", `${space}/tools/${demoToolId}`],
    ["tool-editor-new", `${space}/tools/new`],
    ["sessions", `${space}/sessions`],
    ["analytics", `${space}/analytics`],
    ["campaigns", `${space}/campaigns`],
    ["campaign-wizard", `${space}/campaigns/new`],
    ["telephony", `${space}/telephony`],
    ["provider-keys", `${space}/provider-keys`],
    ["api-keys", `${space}/api-keys`],
    ["members", `${space}/members`],
    ["settings", `${space}/settings`],
    ["accept-invitation-no-token", "/app/invitations/accept"],
    ["accept-invitation-unknown", "/app/invitations/accept?token=not-a-real-token"],
  ];
  for (const [name, path] of pages) {
    it(`${name}: ${path}`, async () => {
      await visit(owner, path, name.startsWith("accept-invitation") ? "main h1, main p.error, h1" : undefined);
      await expectAccessible(owner, name);
    });
  }

  it("the Telephony page's add-connection form of each provider, and its field errors", async () => {
    await visit(owner, `${space}/telephony`);
    await owner.getByRole("button", { name: "Add connection" }).click();
    const found: string[] = [];
    for (const [provider, name] of [["Twilio", "telephony-add-twilio"], ["VoxImplant", "telephony-add-voximplant"], ["LiveKit SIP", "telephony-add-livekit-sip"]] as const) {
      await owner.getByRole("radio", { name: new RegExp(`^${provider}`) }).check();
      // Sent empty: every field error shows under its input.
      await owner.getByRole("form", { name: `Add ${provider} connection` }).getByRole("button", { name: "Add connection" }).click();
      await owner.locator("label.invalid").first().waitFor({ timeout: 5_000 });
      const bad = await audit(owner, name);
      if (bad.length > 0) found.push(report(name, owner.url(), bad));
    }
    expect(found.join("\n")).toBe("");
  });

  it("the agent editor, tab by tab", async () => {
    await visit(owner, `${space}/agents/${demoAgentId}`);
    const tabNames = await owner.getByRole("tab").allTextContents();
    expect(tabNames.length).toBeGreaterThan(3);
    const found: string[] = [];
    for (const [i, label] of tabNames.entries()) {
      await owner.getByRole("tab").nth(i).click();
      await owner.waitForLoadState("networkidle", { timeout: 3_000 }).catch(() => undefined);
      const name = `agent-editor-${label.toLowerCase().replace(/[^a-z]+/g, "")}`;
      const bad = await audit(owner, name);
      if (bad.length > 0) found.push(report(name, owner.url(), bad));
    }
    expect(found.join("\n")).toBe("");
  });

  it("moves between the agent editor's tabs with the arrow keys, Home and End, each tab controlling the one panel", async () => {
    await visit(owner, `${space}/agents/${demoAgentId}`);
    const selected = () => owner.locator('[role="tab"][aria-selected="true"]').getAttribute("id");
    const focused = () => owner.evaluate(() => document.activeElement?.id ?? null);
    await owner.getByRole("tab", { name: "General" }).focus();
    await owner.keyboard.press("ArrowRight");
    expect(await selected()).toBe("agent-editor-tab-languages");
    expect(await focused()).toBe("agent-editor-tab-languages");
    await owner.keyboard.press("End");
    expect(await selected()).toBe("agent-editor-tab-publish");
    await owner.keyboard.press("ArrowRight");
    expect(await selected()).toBe("agent-editor-tab-general");
    await owner.keyboard.press("ArrowLeft");
    expect(await focused()).toBe("agent-editor-tab-publish");
    await owner.keyboard.press("Home");
    expect(await focused()).toBe("agent-editor-tab-general");
    // Only the selected tab is in the Tab order; the panel is labelled by it.
    expect(await owner.locator('[role="tab"][tabindex="0"]').count()).toBe(1);
    const panel = owner.getByRole("tabpanel");
    expect(await panel.getAttribute("aria-labelledby")).toBe("agent-editor-tab-general");
    expect(await owner.getByRole("tab", { name: "General" }).getAttribute("aria-controls")).toBe(await panel.getAttribute("id"));
    expect(await panel.getByRole("heading", { level: 2 }).textContent()).toBe("General");
  });

  it("an invitation link's page names the space that invited you", async () => {
    const email = `a11y-${crypto.randomUUID().slice(0, 8)}@example.test`;
    await api("POST", `/v1/spaces/${demoSpaceId}/invitations`, { email, role: "member" });
    const mail = await api<{ data: { to: string; text: string }[] }>("GET", "/dev/mail.json");
    const text = mail.data.find((m) => m.to === email)?.text ?? "";
    const link = /token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
    expect(link, `an invitation mail to ${email}`).toBeTruthy();
    await visit(owner, `/app/invitations/accept?token=${link}`);
    const space = await api<{ name: string }>("GET", `/v1/spaces/${demoSpaceId}`);
    expect(await owner.locator("main h1").textContent()).toBe(`Join ${space.name}`);
    // Olivia is signed in, but the invitation went to another address: she is told, and cannot join.
    await owner.getByText(`It was sent to ${email}`).waitFor();
    await expectAccessible(owner, "accept-invitation");
  });

  it("a session's detail", async () => {
    const list = await api<{ data: { id: string }[] }>("GET", `/v1/spaces/${demoSpaceId}/sessions`);
    const sessionId = list.data[0]?.id;
    expect(sessionId, "the widget's call left a session").toBeTruthy();
    await visit(owner, `${space}/sessions/${sessionId}`);
    await expectAccessible(owner, "session-detail");
  });

  it("a campaign's page", async () => {
    const campaign = await api<{ id: string }>("POST", `/v1/spaces/${demoSpaceId}/campaigns`, { name: "Accessibility check", agentId: demoAgentId, callerNumberIds: [demoPhoneNumberId] });
    await visit(owner, `${space}/campaigns/${campaign.id}`);
    await expectAccessible(owner, "campaign-monitor");
  });

  it("the platform admin's catalog and users", async () => {
    const admin = await signedIn(browsers.at(-1) as Browser, "Ada Admin");
    const found: string[] = [];
    for (const [name, path] of [
      ["admin-catalog", "/app/admin/catalog"],
      ["admin-users", "/app/admin/users"],
    ]) {
      await visit(admin, path as string);
      const bad = await audit(admin, name as string);
      if (bad.length > 0) found.push(report(name as string, admin.url(), bad));
    }
    expect(found.join("\n")).toBe("");
  });
});
