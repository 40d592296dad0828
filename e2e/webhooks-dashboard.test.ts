// The Webhooks page in real headless Chromium against the local stack (embedded Postgres, the
// Worker in wrangler dev with its webhooks queue, dev tools on). The Owner adds an endpoint
// pointing at the dev webhook inbox, sees its signing secret once, sends a test event and watches
// the delivery succeed (its payload and attempt, the signature and custom header redacted), the
// inbox holding the signed request; rotates the secret; edits the endpoint (a move to another
// origin asks for the header values again; description and event types are saved alone); creates
// an inbound route whose mapping is previewed against a pasted sample, edits that mapping, and
// reads the inbound log of the requests sent to it. The Member reads the page without any control. Screenshots go to e2e/artifacts/webhooks-*.png.
// The Worker serves the dashboard from build/public: build first (`npx node scripts/build.ts`).
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { demoAgentId } from "@speaknode/db";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { artifactsDir, launchChromium, signedInPage } from "./lib.ts";
import { axeFindings } from "./axe.ts";
import { inbox as devInbox } from "./dev-inbox.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-webhooks-"));
const shot = (name: string) => join(artifactsDir, `webhooks-${name}.png`);
const box = "e2e-dashboard";

let stack: LocalStack;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(artifactsDir, { recursive: true });
  for (const f of readdirSync(artifactsDir).filter((n) => n.startsWith("webhooks-"))) rmSync(join(artifactsDir, f), { force: true });
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  browser = await launchChromium({ mic: "none" });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** A browser of its own for `userName`, signed in. */
const signedIn = (userName: string): Promise<Page> => signedInPage(browser, stack.url, userName, { contexts, pageErrors });


const inbox = () => devInbox(stack.url, box);

const webhooksUrl = () => `${stack.url}/app/spaces/${stack.demoSpaceId}/webhooks`;

describe("the Webhooks page", () => {
  let owner: Page;
  let secret = "";

  it("the Owner adds an endpoint to the dev inbox and sees its signing secret once", async () => {
    owner = await signedIn("Olivia Owner");
    await owner.getByRole("link", { name: "Webhooks" }).click();
    await owner.waitForURL(webhooksUrl());
    await owner.getByText("No endpoint yet").waitFor({ timeout: 20_000 });
    await owner.getByRole("button", { name: "Add endpoint" }).click();
    const form = owner.getByRole("form", { name: "New endpoint" });
    await form.getByLabel(/^URL/).fill(`${stack.url}/dev/webhook-inbox/${box}`);
    await form.getByLabel(/^Description/).fill("Dev inbox");
    await form.getByRole("checkbox", { name: /Session completed/ }).check();
    await form.getByRole("button", { name: "Add a header" }).click();
    await form.getByLabel("Custom header 1 name").fill("X-Api-Key");
    await form.getByLabel("Custom header 1 value").fill("e2e-header-secret");
    await owner.screenshot({ path: shot("endpoint-form"), fullPage: true });
    const created = owner.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/webhooks/endpoints"));
    await form.getByRole("button", { name: "Create endpoint" }).click();
    expect((await created).status()).toBe(201);

    const notice = owner.locator("[data-secret=endpoint]");
    await notice.waitFor();
    secret = (await notice.locator("[data-secret-value]").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    expect(await notice.textContent()).toContain("You will not see it again.");
    const card = owner.locator("[data-endpoint]").first();
    expect(await card.locator("[data-event-types]").textContent()).toBe("session.completed");
    expect(await card.textContent()).toContain(`whsec_…${secret.slice(-4)}`);
    expect(await card.textContent()).toContain("X-Api-Key");
    expect(await card.locator("[data-endpoint-state]").getAttribute("data-endpoint-state")).toBe("enabled");
    await owner.screenshot({ path: shot("secret"), fullPage: true });
    expect(await axeFindings(owner)).toEqual([]);

    await owner.getByRole("button", { name: "I have stored it" }).click();
    expect(await notice.count()).toBe(0);
    await owner.reload();
    await owner.locator("[data-endpoint]").first().waitFor({ timeout: 20_000 });
    expect(await owner.content()).not.toContain(secret);
  });

  it("a test event reaches the inbox signed, and its delivery shows succeeded with the attempt", async () => {
    const card = owner.locator("[data-endpoint]").first();
    await card.getByRole("button", { name: "Send test event" }).click();
    await card.getByRole("status").filter({ hasText: "Test event sent" }).waitFor({ timeout: 10_000 });
    await card.getByRole("button", { name: "Deliveries" }).click();
    expect(await owner.getByRole("tab", { name: "Deliveries" }).getAttribute("aria-selected")).toBe("true");
    const row = owner.locator("tr[data-delivery]").first();
    await row.waitFor({ timeout: 15_000 });
    // The page reads the list again every few seconds while a delivery is pending.
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 60_000, interval: 1000 }).toBe("succeeded");
    expect(await row.textContent()).toContain("webhook.test");
    expect(await row.textContent()).toContain("HTTP 200");

    const received = (await inbox()).find((m) => m.eventType === "webhook.test");
    expect(received?.signatureValid).toBe(true);
    expect(received?.headers["x-api-key"]).toBe("e2e-header-secret");

    await row.getByRole("button", { name: /^Details/ }).click();
    const detail = owner.locator("[data-delivery-detail]");
    await detail.waitFor();
    expect(await detail.textContent()).toContain(received?.webhookId ?? "(no webhook-id)");
    expect(await detail.locator("[data-payload]").textContent()).toContain('"type": "webhook.test"');
    const attempt = detail.locator("[data-attempt='1']");
    expect(await attempt.locator("[data-attempt-result]").textContent()).toBe("HTTP 200");
    if ((await attempt.getAttribute("open")) === null) await attempt.locator("summary").click();
    const headers = await attempt.locator("table.headers").textContent();
    expect(headers).toContain("webhook-signature[redacted]");
    expect(headers).toContain("x-api-key[redacted]");
    expect(headers).not.toContain("e2e-header-secret");
    await owner.screenshot({ path: shot("delivery"), fullPage: true });
    expect(await axeFindings(owner)).toEqual([]);
  });

  it("the Owner rotates the secret and sees the new one once", async () => {
    await owner.getByRole("tab", { name: "Endpoints" }).click();
    const card = owner.locator("[data-endpoint]").first();
    await card.getByRole("button", { name: "Rotate secret" }).click();
    await card.getByRole("button", { name: "Rotate now" }).click();
    const notice = owner.locator("[data-secret=endpoint]");
    await notice.waitFor();
    const rotated = (await notice.locator("[data-secret-value]").textContent()) ?? "";
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    expect(await notice.textContent()).toMatch(/^New signing secret/);
    expect(await card.textContent()).toContain("the previous secret also signs until");
    await owner.getByRole("button", { name: "I have stored it" }).click();
  });

  it("the Owner edits the endpoint: another origin asks for the headers again, and a new description and event types are saved alone", async () => {
    const card = owner.locator("[data-endpoint]").first();
    await card.getByRole("button", { name: "Edit" }).click();
    const form = owner.getByRole("form", { name: "Edit endpoint" });
    await form.waitFor();
    // Header values are write-only: the saved name, an empty value.
    expect(await form.getByLabel("Custom header 1 name").inputValue()).toBe("X-Api-Key");
    expect(await form.getByLabel("Custom header 1 value").inputValue()).toBe("");
    expect(await form.locator("[data-header-intent]").getAttribute("data-header-intent")).toBe("keep");
    const urlField = form.getByLabel(/^URL/);
    const url = await urlField.inputValue();
    const patches: string[] = [];
    const onRequest = (r: Request) => void (r.method() === "PATCH" && patches.push(r.url()));
    owner.on("request", onRequest);
    await urlField.fill("https://hooks.example.org/speaknode");
    const problem = form.locator("[data-headers-problem]");
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/^The URL moves from http:\/\/[^ ]+ to https:\/\/hooks\.example\.org: .*Enter every header's value again, or remove all headers\.$/);
    await form.getByRole("button", { name: "Save changes" }).click();
    expect(await form.getByRole("alert").textContent()).toBe("Some fields need a change: see the messages below.");
    await owner.screenshot({ path: shot("endpoint-edit-origin"), fullPage: true });
    owner.off("request", onRequest);
    expect(patches).toEqual([]);

    await urlField.fill(url);
    expect(await problem.count()).toBe(0);
    await form.getByLabel(/^Description/).fill("Dev inbox, sessions and campaigns");
    await form.getByRole("checkbox", { name: /Session failed/ }).check();
    await form.getByRole("checkbox", { name: /Campaign completed/ }).check();
    await owner.screenshot({ path: shot("endpoint-edit"), fullPage: true });
    expect(await axeFindings(owner)).toEqual([]);
    const saved = owner.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/webhooks/endpoints/"));
    await form.getByRole("button", { name: "Save changes" }).click();
    expect((await saved).status()).toBe(200);
    expect(JSON.parse((await saved).request().postData() ?? "null")).toEqual({ description: "Dev inbox, sessions and campaigns", eventTypes: ["session.completed", "session.failed", "campaign.completed"] });
    await form.waitFor({ state: "detached" });
    expect(await card.locator("[data-event-types]").textContent()).toBe("session.completed, session.failed, campaign.completed");
    expect(await card.textContent()).toContain("Dev inbox, sessions and campaigns");
    expect(await card.textContent()).toContain("X-Api-Key");
    await owner.screenshot({ path: shot("endpoint-edited"), fullPage: true });
    await owner.reload();
    await card.waitFor({ timeout: 20_000 });
    expect(await card.locator("[data-event-types]").textContent()).toBe("session.completed, session.failed, campaign.completed");
  });

  it("the Owner creates an inbound route after previewing its mapping against a sample", async () => {
    await owner.getByRole("tab", { name: "Inbound routes" }).click();
    await owner.getByRole("button", { name: "Add route" }).click();
    const form = owner.getByRole("form", { name: "New inbound route" });
    await form.getByLabel(/^Name/).fill("crm-lead");
    expect(await form.locator("[data-route-url]").textContent()).toBe(`POST ${stack.url}/hooks/${stack.demoSpaceId}/crm-lead`);
    await form.getByRole("radio", { name: "Bearer secret" }).check();
    await form.getByRole("radio", { name: /^Web session/ }).check();
    await form.getByLabel(/^Agent/).selectOption(demoAgentId);
    const pointer = form.getByLabel("Pointer for customer_name");
    await pointer.waitFor();
    await pointer.fill("/contact/name");
    await form.getByLabel(/^Sample payload/).fill("{ nope");
    await form.getByRole("button", { name: "Preview mapping" }).click();
    expect(await form.locator("[data-section=preview] [role=alert]").textContent()).toMatch(/^The sample is not JSON/);
    await form.getByLabel(/^Sample payload/).fill(JSON.stringify({ contact: { name: "Ada Lovelace" } }, null, 2));
    const previewed = owner.waitForResponse((r) => r.url().endsWith("/routes/preview"));
    await form.getByRole("button", { name: "Preview mapping" }).click();
    expect((await previewed).status()).toBe(200);
    const result = form.locator("[data-preview-ok]");
    await result.waitFor();
    expect(await result.getAttribute("data-preview-ok")).toBe("true");
    expect(await result.locator("[data-resolved='variables.customer_name'] td").textContent()).toBe('"Ada Lovelace"');
    await owner.screenshot({ path: shot("route-preview"), fullPage: true });
    expect(await axeFindings(owner)).toEqual([]);

    const created = owner.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/webhooks/routes"));
    await form.getByRole("button", { name: "Create route" }).click();
    expect((await created).status()).toBe(201);
    const notice = owner.locator("[data-secret=route]");
    await notice.waitFor();
    expect(await notice.textContent()).toContain("You will not see it again.");
    const route = owner.locator("[data-route=crm-lead]");
    await route.waitFor();
    expect(await route.textContent()).toContain(`/hooks/${stack.demoSpaceId}/crm-lead`);
    expect(await route.locator("[data-route-state]").getAttribute("data-route-state")).toBe("active");
    await owner.screenshot({ path: shot("route"), fullPage: true });
    await owner.getByRole("button", { name: "I have stored it" }).click();
  });

  it("the Owner edits the route's mapping, previews it, and the card shows the new pointer", async () => {
    const card = owner.locator("[data-route=crm-lead]");
    await card.getByRole("button", { name: "Edit" }).click();
    const form = owner.getByRole("form", { name: "Edit inbound route" });
    const pointer = form.getByLabel("Pointer for customer_name");
    await pointer.waitFor();
    expect(await pointer.inputValue()).toBe("/contact/name");
    expect(await form.getByLabel(/^Name/).getAttribute("readonly")).not.toBeNull();
    expect(await form.getByRole("radio", { name: /^Web session/ }).isDisabled()).toBe(true);
    await pointer.fill("/contact/full_name");
    await form.getByLabel(/^Sample payload/).fill(JSON.stringify({ contact: { full_name: "Grace Hopper" } }, null, 2));
    await form.getByRole("button", { name: "Preview mapping" }).click();
    const result = form.locator("[data-preview-ok]");
    await result.waitFor();
    expect(await result.getAttribute("data-preview-ok")).toBe("true");
    expect(await result.locator("[data-resolved='variables.customer_name'] td").textContent()).toBe('"Grace Hopper"');
    await owner.screenshot({ path: shot("route-edit"), fullPage: true });
    expect(await axeFindings(owner)).toEqual([]);

    const saved = owner.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/webhooks/routes/"));
    await form.getByRole("button", { name: "Save changes" }).click();
    expect((await saved).status()).toBe(200);
    expect(JSON.parse((await saved).request().postData() ?? "null")).toEqual({ mapping: { variables: { customer_name: "/contact/full_name" } } });
    await form.waitFor({ state: "detached" });
    expect(await card.textContent()).toContain("{{customer_name}} ← /contact/full_name");
    await owner.screenshot({ path: shot("route-edited"), fullPage: true });
    expect(await card.locator("[data-route-state]").getAttribute("data-route-state")).toBe("active");
  });

  it("requests to the route and to an unknown one show in the inbound log, filtered and expanded", async () => {
    const unsigned = await fetch(`${stack.url}/hooks/${stack.demoSpaceId}/crm-lead`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ contact: { name: "Eve" } }) });
    expect(unsigned.status).toBe(401);
    const unknown = await fetch(`${stack.url}/hooks/${stack.demoSpaceId}/no-such-route`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(unknown.status).toBe(404);

    await owner.getByRole("tab", { name: "Inbound log" }).click();
    const rows = owner.locator("tr[data-log]");
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await owner.getByLabel(/^Route/).selectOption({ label: "crm-lead" });
    await expect.poll(() => rows.count()).toBe(1);
    const refused = rows.first();
    expect(await refused.getAttribute("data-outcome")).toBe("refused");
    await refused.getByRole("button", { name: /^Show/ }).click();
    const detail = owner.locator("tr.log-detail");
    await detail.waitFor();
    expect(await detail.textContent()).toContain('"name": "Eve"');
    expect(await detail.textContent()).toContain(`/hooks/${stack.demoSpaceId}/crm-lead`);
    await owner.getByLabel(/^Route/).selectOption({ label: "Any route" });
    await owner.getByLabel(/^Outcome/).selectOption("refused");
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
    await owner.screenshot({ path: shot("inbound-log"), fullPage: true });
    expect(await axeFindings(owner)).toEqual([]);
  });

  it("the Member reads endpoints, deliveries and routes without any control", async () => {
    const member = await signedIn("Milo Member");
    await member.goto(webhooksUrl());
    await member.locator("[data-endpoint]").first().waitFor({ timeout: 20_000 });
    expect(await member.locator("[data-member-notice]").textContent()).toMatch(/Only the space's Owners/);
    expect(await member.getByRole("button", { name: "Add endpoint" }).count()).toBe(0);
    expect(await member.getByRole("button", { name: "Send test event" }).count()).toBe(0);
    expect(await member.getByRole("button", { name: "Edit" }).count()).toBe(0);
    await member.getByRole("tab", { name: "Deliveries" }).click();
    await member.locator("tr[data-delivery]").first().waitFor({ timeout: 15_000 });
    expect(await member.getByRole("button", { name: /^Replay/ }).count()).toBe(0);
    expect(await member.getByRole("form", { name: "Replay failed deliveries" }).count()).toBe(0);
    await member.getByRole("tab", { name: "Inbound routes" }).click();
    await member.locator("[data-route=crm-lead]").waitFor();
    // The card names the route's agent once the space's agents are read.
    await member.locator("[data-route=crm-lead]").getByText(/agent Demo receptionist/).waitFor({ timeout: 10_000 });
    expect(await member.getByRole("button", { name: "Pause" }).count()).toBe(0);
    expect(await member.getByRole("button", { name: "Edit" }).count()).toBe(0);
    await member.screenshot({ path: shot("member"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
