// The Tools page's OpenAPI import in real headless Chromium against the local stack, with Twilio's
// real core API document (2.1 MB, ~200 operations, HTTP basic security, form-encoded bodies;
// workers/src/tools/fixtures/twilio_api_v2010.json.gz, gunzipped to a file and uploaded through the
// file input). The Owner reads it, searches "calls", selects CreateCall and FetchCall, pages
// through the whole index and finds the selection kept, fills the Account SID and Auth Token as
// HTTP basic credentials, creates the two tools, and opens CreateCall in the editor: form-encoded,
// with the Authorization secret header (its value never comes back). Axe finds nothing serious.
// Screenshots go to e2e/artifacts/tools-import-*.png.
// The Worker serves the dashboard from build/public: build first (`node scripts/build.ts`).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { freePort, root, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import { artifactsDir, launchChromium, signedInPage } from "./lib.ts";
import { axeFindings } from "./axe.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-tools-import-"));
const shot = (name: string) => join(artifactsDir, `tools-import-${name}.png`);
const documentFile = join(scratch, "twilio_api_v2010.json");
const createCall = "POST /2010-04-01/Accounts/{AccountSid}/Calls.json";
const fetchCall = "GET /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json";
// Made-up credentials: they must reach the API only as the sealed basic-auth header.
const accountSid = "AC00000000000000000000000000000e2e";
const authToken = "e2e-auth-token-never-echoed";

let stack: LocalStack;
let browser: Browser;
let ownerToken: string;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(artifactsDir, { recursive: true });
  for (const f of readdirSync(artifactsDir).filter((n) => n.startsWith("tools-import-"))) rmSync(join(artifactsDir, f), { force: true });
  writeFileSync(documentFile, gunzipSync(readFileSync(join(root, "workers/src/tools/fixtures/twilio_api_v2010.json.gz"))));
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

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${ownerToken}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const checkbox = (page: Page, op: string) => page.getByRole("checkbox", { name: `Select ${op}`, exact: true });
const row = (page: Page, op: string) => page.locator("tr").filter({ has: checkbox(page, op) });
const selectedCount = async (page: Page) => Number(await page.locator(".selected-count strong").textContent());

type ToolView = { id: string; code: string; method: string; url: string; bodyEncoding: string; secretHeaderNames: string[]; secretOrigin: string | null; bodySchema: { properties: Record<string, unknown> } };

describe("importing tools from Twilio's OpenAPI document", () => {
  let page: Page;
  const created: { code: string; href: string }[] = [];

  it("reads the 2.1 MB document uploaded as a file into an index of every operation", async () => {
    page = await signedInPage(browser, stack.url, "Olivia Owner", { contexts, pageErrors });
    await page.goto(`${stack.url}/app/spaces/${stack.demoSpaceId}/tools`);
    await page.getByRole("button", { name: "Import from OpenAPI" }).click({ timeout: 20_000 });
    const form = page.getByRole("form", { name: "Import from OpenAPI" });
    await form.getByLabel(/^OpenAPI 3\.x file/).setInputFiles(documentFile);
    await form.getByText(/twilio_api_v2010\.json: 2\.\d MB read/).waitFor();
    const read = page.waitForResponse((r) => r.url().endsWith("/tools/import"));
    const startedAt = Date.now();
    await form.getByRole("button", { name: "Read the document" }).click();
    expect((await read).status()).toBe(200);
    const heading = form.getByRole("heading", { name: /operations in the document/ });
    await heading.waitFor({ timeout: 30_000 });
    // Printed, not asserted (2 shared cores): upload + parse + index + first page, to the list on screen.
    console.log(`tools import: the 2.1 MB document read and listed in ${Date.now() - startedAt} ms`);
    const total = Number((await heading.textContent())?.match(/\d+/)?.[0]);
    expect(total).toBeGreaterThan(150);
    expect(await form.getByText(/^Page 1 of \d+$/).textContent()).toBe(`Page 1 of ${Math.ceil(total / 25)}`);
    await page.screenshot({ path: shot("index"), fullPage: true });
  });

  it("searches 'calls', selects CreateCall and FetchCall, and keeps them selected across searches and pages", async () => {
    await page.getByLabel("Search operations").fill("calls");
    await checkbox(page, createCall).check();
    await checkbox(page, fetchCall).check();
    expect(await selectedCount(page)).toBe(2);
    // Drafts load for what is on screen: CreateCall takes a form-encoded body and HTTP basic.
    await row(page, createCall).getByText("form-encoded").waitFor({ timeout: 20_000 });
    await row(page, createCall).getByText("basic auth").waitFor();
    expect(await row(page, fetchCall).getByText("form-encoded").count()).toBe(0);
    await page.screenshot({ path: shot("search-calls"), fullPage: true });

    await page.getByLabel("Search operations").fill("");
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByText(/^Page 2 of/).waitFor();
    await page.getByLabel("Search operations").fill("Recording");
    expect(await selectedCount(page)).toBe(2);
    await page.getByLabel("Search operations").fill("calls");
    expect(await checkbox(page, createCall).isChecked()).toBe(true);
    expect(await checkbox(page, fetchCall).isChecked()).toBe(true);
  });

  it("asks for the HTTP basic credentials the selection needs, and axe finds nothing serious", async () => {
    const credentials = page.getByRole("group", { name: "Credentials for the created tools" });
    await credentials.getByText(/Left empty, the created tools call the API without: the username and password/).waitFor();
    await credentials.getByLabel(/^Username \(accountSid_authToken, HTTP basic\)/).fill(accountSid);
    await credentials.getByLabel(/^Password \(accountSid_authToken, HTTP basic\)/).fill(authToken);
    expect(await credentials.getByText(/Left empty/).count()).toBe(0);
    await page.screenshot({ path: shot("credentials"), fullPage: true });
    expect(await axeFindings(page)).toEqual([]);
  });

  it("creates the two tools with the credentials as a sealed basic-auth header", async () => {
    const answer = page.waitForResponse((r) => r.url().endsWith("/tools/import") && r.request().method() === "POST" && (r.request().postData() ?? "").includes('"confirm":true'));
    await page.getByRole("button", { name: "Create 2 tools" }).click();
    const res = await answer;
    const sent = JSON.parse(res.request().postData() ?? "{}") as { operations: string[]; basicAuth: unknown; secretHeaders: Record<string, string> };
    expect(sent.operations).toHaveLength(2);
    expect(sent.basicAuth).toEqual({ username: accountSid, password: authToken });
    expect(sent.secretHeaders).toEqual({});
    expect(res.status()).toBeLessThan(300);
    const text = await res.text();
    expect(text).not.toContain(authToken);
    expect(text).not.toContain(Buffer.from(`${accountSid}:${authToken}`).toString("base64"));
    const status = page.getByRole("status").filter({ hasText: "Created 2 tools" });
    await status.waitFor();
    for (const link of await status.getByRole("link").all()) created.push({ code: (await link.textContent()) ?? "", href: (await link.getAttribute("href")) ?? "" });
    expect(created).toHaveLength(2);
    expect(await status.getByText(/form-encoded/).count()).toBe(1);
    // The page forgot the credentials once they were sent.
    expect(await page.getByLabel(/^Password \(accountSid_authToken/).inputValue()).toBe("");
    await page.screenshot({ path: shot("created"), fullPage: true });
  });

  it("opens CreateCall in the editor: form-encoded, its Authorization secret bound to api.twilio.com, no value shown", async () => {
    const tools = await Promise.all(created.map((c) => api<ToolView>(`/v1/tools/${c.href.split("/").at(-1)}`)));
    const call = tools.find((t) => t.method === "POST");
    const fetched = tools.find((t) => t.method === "GET");
    expect(call?.url).toBe("https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Calls.json");
    expect(call?.bodyEncoding).toBe("form");
    expect(Object.keys(call?.bodySchema.properties ?? {})).toEqual(expect.arrayContaining(["AccountSid", "To", "From"]));
    expect(fetched?.bodyEncoding).toBe("json");
    for (const t of tools) {
      expect(t.secretHeaderNames).toEqual(["Authorization"]);
      expect(t.secretOrigin).toBe("https://api.twilio.com");
      expect(JSON.stringify(t)).not.toContain(authToken);
    }
    await page.getByRole("form", { name: "Import from OpenAPI" }).getByRole("link", { name: call?.code ?? "?", exact: true }).click();
    await page.waitForURL((u) => u.pathname.endsWith(`/tools/${call?.id}`));
    const encoding = page.getByLabel(/^Body encoding/);
    await encoding.waitFor({ timeout: 20_000 });
    expect(await encoding.inputValue()).toBe("form");
    await page.getByText("Authorization: ••••••").waitFor();
    expect(await page.content()).not.toContain(authToken);
    await page.screenshot({ path: shot("editor"), fullPage: true });
    expect(await axeFindings(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
