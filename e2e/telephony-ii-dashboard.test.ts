// The Telephony page's new providers in real headless Chromium against the local stack (embedded
// Postgres, the Worker in wrangler dev with MEDIA_DRIVER=local, so LiveKit SIP provisioning is
// "off"), as the demo space's owner: "Add connection" offers Twilio, VoxImplant and LiveKit SIP; the
// VoxImplant form names the key file's field that is wrong before anything is sent; the LiveKit SIP
// form shows each refused input under it (aria-invalid, the wrong line named; the API's own field
// errors too), then creates the
// connection: its card shows the trunks, its numbers and "Off: this deployment has no LiveKit";
// "Check connection" lists each check; the import dialog offers the trunk's numbers, and the
// imported number's row has its SIP dispatch status; the edit form keeps the stored password.
// VoxImplant against its simulator (simulators/voximplant): the key file chosen, a rule the
// application lacks refused under "Rule id", the connection created and checked, its Scenario
// panel (steps, the script copied, the secret rotated after a confirmation), a number imported.
// Screenshots go to e2e/artifacts/telephony-ii-*.png.
// The Worker serves the dashboard from build/public: build first (`npx node scripts/build.ts`).
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import { simulatedVoximplantAccount } from "../scripts/voximplant-dev.ts";
import { demoVoximplantApplicationId, demoVoximplantRuleId } from "@speaknode/db";
import { artifactsDir, launchChromium, signInToDashboard } from "./lib.ts";
import { axeFindings } from "./axe.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-telephony-ii-"));
const shot = (name: string) => join(artifactsDir, `telephony-ii-${name}.png`);
const trunkName = "Office SIP trunk (e2e)";
const trunkNumbers = ["+14155550170", "+14155550171"];

let stack: LocalStack;
let browser: Browser;
let page: Page;
let connectionId = "";
let voxId = "";
const pageErrors: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  mkdirSync(artifactsDir, { recursive: true });
  for (const f of readdirSync(artifactsDir).filter((n) => n.startsWith("telephony-ii-"))) rmSync(join(artifactsDir, f), { force: true });
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, voximplant: { simulatorPort: 0, bridgePort: 0 } });
  browser = await launchChromium({ mic: "none" });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.url });
  page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(err.message));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.accept();
  });
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** A form's input by the start of its label (a Field's accessible name also holds its hint or error). */
const input = (scope: Locator, label: string) => scope.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
/** axe-core's serious and critical findings on the page as it is (accessibility.test.ts audits the other pages). */
const axe = (): Promise<string[]> => axeFindings(page);
const connections = () => page.locator("[data-section=connections]");
const card = () => page.locator(`article[data-connection="${connectionId}"]`);
const voxCard = () => page.locator(`article[data-connection="${voxId}"]`);

describe("the Telephony page with VoxImplant and LiveKit SIP, as the space's owner", () => {
  it("opens the page and offers the three providers", async () => {
    await signInToDashboard(page, stack.url, "Olivia Owner");
    await page.goto(`${stack.url}/app/spaces/${stack.demoSpaceId}/telephony`);
    await connections().locator("article").first().waitFor({ timeout: 30_000 });
    await connections().getByRole("button", { name: "Add connection" }).click();
    const providers = connections().getByRole("group", { name: "Provider" });
    for (const name of ["Twilio", "VoxImplant", "LiveKit SIP"]) await providers.getByRole("radio", { name: new RegExp(`^${name}`) }).waitFor();
    await page.screenshot({ path: shot("add-twilio"), fullPage: true });
  });

  it("VoxImplant: names the key file's wrong field and the ids that are not numbers, sending nothing", async () => {
    await connections().getByRole("radio", { name: /^VoxImplant/ }).check();
    const form = page.getByRole("form", { name: "Add VoxImplant connection" });
    await input(form, "Name").fill("VoxImplant line (e2e)");
    const key = input(form, "Service account key file (JSON)");
    await key.fill(JSON.stringify({ account_id: 9000001, key_id: "short", private_key: "not a PEM" }));
    await input(form, "Application id").fill("app-7");
    let posted = 0;
    page.on("request", (r) => r.method() === "POST" && r.url().includes("/telephony-connections") && posted++);
    await form.getByRole("button", { name: "Add connection" }).click();
    await expect.poll(() => key.getAttribute("aria-invalid")).toBe("true");
    const keyError = form.locator("label.invalid", { hasText: "Service account key file" });
    await expect.poll(() => keyError.locator(".error").textContent()).toMatch(/key_id: must be the key's id; private_key: must be the PEM private key/);
    await expect.poll(() => input(form, "Application id").getAttribute("aria-invalid")).toBe("true");
    expect(await form.locator("label.invalid", { hasText: "Rule id" }).locator(".error").textContent()).toMatch(/is required/);
    // The file picker reads the key file into the same input.
    await input(form, "Or choose the key file").setInputFiles({ name: "key.json", mimeType: "application/json", buffer: Buffer.from("not json") });
    // Only what tells keys apart is shown of a chosen file, never its contents.
    await expect.poll(() => key.inputValue()).toBe("key.json: not a service account key file");
    await form.getByRole("button", { name: "Add connection" }).click();
    await expect.poll(() => keyError.locator(".error").textContent()).toMatch(/^is not JSON/);
    expect(posted).toBe(0);
    await page.screenshot({ path: shot("voximplant-key-errors"), fullPage: true });
  });

  it("LiveKit SIP: each refused input shows why under it, the wrong line named", async () => {
    await connections().getByRole("radio", { name: /^LiveKit SIP/ }).check();
    const form = page.getByRole("form", { name: "Add LiveKit SIP connection" });
    await input(form, "Name").fill(trunkName);
    await input(form, "Address").fill("pstn example com");
    await input(form, "Allowed addresses").fill("54.172.60.0/30\nsip.example.com");
    await input(form, "Inbound username (optional)").fill("pbx");
    await input(form, "The trunk's numbers").fill(`${trunkNumbers[0]}\n12`);
    await form.getByRole("button", { name: "Add connection" }).click();
    for (const label of ["Address", "Allowed addresses", "The trunk's numbers", "Inbound password (optional)"]) {
      await expect.poll(() => input(form, label).getAttribute("aria-invalid")).toBe("true");
    }
    expect(await form.locator("label.invalid", { hasText: "Allowed addresses" }).locator(".error").textContent()).toMatch(/^sip\.example\.com: must be an IP address/);
    expect(await form.locator("label.invalid", { hasText: "The trunk's numbers" }).locator(".error").textContent()).toMatch(/^12: must be a phone number/);
    await page.screenshot({ path: shot("livekit-sip-errors"), fullPage: true });
  });

  it("LiveKit SIP: creates the connection; its card shows the trunks, numbers and sync off", async () => {
    const form = page.getByRole("form", { name: "Add LiveKit SIP connection" });
    await input(form, "Address").fill("speaknode-e2e.pstn.twilio.com");
    await input(form, "Transport").selectOption("tcp");
    await input(form, "Outbound username (optional)").fill("speaknode");
    await input(form, "Outbound password (optional)").fill("outbound-pass-1");
    await input(form, "Inbound password (optional)").fill("inbound-pass-1");
    await input(form, "The trunk's numbers").fill(`${trunkNumbers[0]}\n+1 415 555 0171`);
    // A range the schema takes but the API refuses (it would let anyone call in): its problem+json
    // field error (body.inbound.allowedAddresses.1) lands under the addresses, naming the line.
    await input(form, "Allowed addresses").fill("54.172.60.0/30\n0.0.0.0/0");
    const refused = page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/telephony-connections"));
    await form.getByRole("button", { name: "Add connection" }).click();
    expect((await refused).status()).toBe(400);
    await expect.poll(() => input(form, "Allowed addresses").getAttribute("aria-invalid")).toBe("true");
    expect(await form.locator("label.invalid", { hasText: "Allowed addresses" }).locator(".error").textContent()).toMatch(/^0\.0\.0\.0\/0: would accept calls from any address/);
    await page.screenshot({ path: shot("livekit-sip-server-error"), fullPage: true });
    await input(form, "Allowed addresses").fill("54.172.60.0/30\n54.244.51.0/30");
    const created = page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/telephony-connections"));
    await form.getByRole("button", { name: "Add connection" }).click();
    const res = await created;
    expect(res.status(), await res.text()).toBe(201);
    connectionId = ((await res.json()) as { id: string }).id;
    await card().waitFor({ timeout: 10_000 });
    const text = await card().textContent();
    expect(text).toContain(trunkName);
    expect(text).toMatch(/speaknode-e2e\.pstn\.twilio\.com over TCP, as speaknode/);
    expect(text).toContain("54.244.51.0/30");
    for (const n of trunkNumbers) expect(text).toContain(n);
    expect(text).not.toContain("pass-1");
    const sync = card().locator("[data-sync]");
    expect(await sync.getAttribute("data-sync")).toBe("off");
    expect(await sync.textContent()).toMatch(/Off.*this deployment has no LiveKit/);
    await page.screenshot({ path: shot("livekit-sip-card"), fullPage: true });
  });

  it("checks the connection and lists each check with its result", async () => {
    const health = page.waitForResponse((r) => r.url().endsWith(`/v1/telephony-connections/${connectionId}/health`));
    await card().getByRole("button", { name: "Check connection" }).click();
    const res = await health;
    expect(res.status(), await res.text()).toBe(200);
    const body = (await res.json()) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    const shown = card().locator(".health");
    await shown.waitFor();
    expect(await shown.getAttribute("data-health")).toBe(body.ok ? "ok" : "failed");
    expect(await shown.locator("li").count()).toBe(body.checks.length);
    for (const [i, check] of body.checks.entries()) {
      const item = shown.locator("li").nth(i);
      expect(await item.getAttribute("data-check")).toBe(check.ok ? "ok" : "failed");
      expect(await item.textContent()).toContain(check.detail);
    }
    await page.screenshot({ path: shot("livekit-sip-health"), fullPage: true });
  });

  it("imports one of the trunk's numbers; its row shows the SIP dispatch status", async () => {
    await page.getByRole("button", { name: "Import numbers" }).click();
    const dialog = page.getByRole("form", { name: "Import numbers" });
    await input(dialog, "Connection").selectOption(connectionId);
    for (const n of trunkNumbers) await dialog.locator(`[data-available="${n}"]`).waitFor({ timeout: 15_000 });
    expect(await dialog.textContent()).toMatch(/inbound trunk at LiveKit/);
    await dialog.getByRole("checkbox", { name: `Import ${trunkNumbers[0]}` }).check();
    await page.screenshot({ path: shot("livekit-sip-import"), fullPage: true });
    await dialog.getByRole("button", { name: "Import 1 number" }).click();
    const row = page.locator("[data-section=numbers] tr", { hasText: trunkNumbers[0] ?? "" });
    await row.waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator("[data-section=numbers] th", { hasText: "SIP dispatch" }).count()).toBe(1);
    const sip = row.locator("[data-sip]");
    await sip.waitFor();
    expect(await sip.getAttribute("data-sip")).toBe("off");
    await expect.poll(() => card().textContent()).toMatch(/Imported numbers\s*1/);
    await page.screenshot({ path: shot("livekit-sip-numbers"), fullPage: true });
  });

  it("edits the trunk: the stored passwords are kept unless typed again", async () => {
    await card().getByRole("button", { name: "Edit" }).click();
    const form = page.getByRole("form", { name: `Change ${trunkName}` });
    expect(await input(form, "Outbound password (optional)").inputValue()).toBe("");
    expect(await input(form, "Outbound username (optional)").inputValue()).toBe("speaknode");
    await input(form, "Name").fill(`${trunkName} renamed`);
    const patched = page.waitForRequest((r) => r.method() === "PATCH" && r.url().endsWith(`/v1/telephony-connections/${connectionId}`));
    await form.getByRole("button", { name: "Save" }).click();
    expect(JSON.parse((await patched).postData() ?? "{}")).toEqual({ name: `${trunkName} renamed` });
    await expect.poll(() => card().locator("h3").textContent()).toBe(`${trunkName} renamed`);
    // The API holds the same settings as the card.
    const res = await fetch(`${stack.url}/v1/telephony-connections/${connectionId}`, { headers: { authorization: `Bearer ${await token(stack.url)}` } });
    const body = (await res.json()) as { livekitSip: { outbound: { authUsername: string | null } } };
    expect(body.livekitSip.outbound.authUsername).toBe("speaknode");
    expect(pageErrors).toEqual([]);
  });

  it("VoxImplant: the key file chosen, a rule the application lacks refused under Rule id, then created", async () => {
    const account = simulatedVoximplantAccount(join(scratch, "stack"));
    await connections().getByRole("button", { name: "Add connection" }).click();
    await connections().getByRole("radio", { name: /^VoxImplant/ }).check();
    const form = page.getByRole("form", { name: "Add VoxImplant connection" });
    await input(form, "Name").fill("VoxImplant line (e2e)");
    await input(form, "Application id").fill(String(demoVoximplantApplicationId));
    await input(form, "Rule id").fill("8000099");
    await input(form, "Or choose the key file").setInputFiles({ name: "speaknode-key.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(account.serviceAccountKey)) });
    const { account_id: accountId, key_id: keyId } = account.serviceAccountKey;
    await expect.poll(() => input(form, "Service account key file").inputValue()).toBe(`speaknode-key.json: account ${accountId}, key ${keyId}`);
    const refused = page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/telephony-connections"));
    await form.getByRole("button", { name: "Add connection" }).click();
    expect((await refused).status()).toBe(400);
    await expect.poll(() => input(form, "Rule id").getAttribute("aria-invalid")).toBe("true");
    expect(await form.locator("label.invalid", { hasText: "Rule id" }).locator(".error").textContent()).toBe("the application has no rule 8000099");
    await page.screenshot({ path: shot("voximplant-server-error"), fullPage: true });

    await input(form, "Rule id").fill(String(demoVoximplantRuleId));
    await input(form, "Audio encoding").selectOption("ulaw");
    const created = page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/telephony-connections"));
    await form.getByRole("button", { name: "Add connection" }).click();
    const res = await created;
    expect(res.status(), await res.text()).toBe(201);
    voxId = ((await res.json()) as { id: string }).id;
    await voxCard().waitFor({ timeout: 10_000 });
    const text = (await voxCard().textContent()) ?? "";
    expect(text).toMatch(new RegExp(`Application id\\s*${demoVoximplantApplicationId}`));
    expect(text).toMatch(new RegExp(`Rule id\\s*${demoVoximplantRuleId}`));
    expect(text).toContain("G.711 μ-law");
    expect(text).toContain(account.serviceAccountKey.key_id);
    expect(await page.locator("body").textContent()).not.toContain("PRIVATE KEY");
  });

  it("VoxImplant: Check connection lists the account, application and rule as passing", async () => {
    const health = page.waitForResponse((r) => r.url().endsWith(`/v1/telephony-connections/${voxId}/health`));
    await voxCard().getByRole("button", { name: "Check connection" }).click();
    const body = (await (await health).json()) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(body.ok, JSON.stringify(body.checks)).toBe(true);
    const shown = voxCard().locator(".health");
    await shown.waitFor();
    expect(await shown.getAttribute("data-health")).toBe("ok");
    expect(await shown.locator("li[data-check=ok]").count()).toBe(body.checks.length);
  });

  it("VoxImplant: the Scenario panel lists the steps, copies the script and rotates its secret after a warning", async () => {
    await voxCard().getByRole("button", { name: "Scenario" }).click();
    const panel = voxCard().getByRole("region", { name: /^Scenario of/ });
    const script = panel.getByRole("textbox");
    await expect.poll(() => script.inputValue(), { timeout: 10_000 }).toContain(voxId);
    expect(await script.getAttribute("readonly")).not.toBeNull();
    expect(await panel.locator("ol.steps li").count()).toBeGreaterThan(1);
    const before = await script.inputValue();
    await panel.getByRole("button", { name: "Copy scenario" }).click();
    await panel.getByRole("button", { name: "Copied" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(before);
    await page.screenshot({ path: shot("voximplant-scenario"), fullPage: true });

    const rotated = page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith(`/v1/telephony-connections/${voxId}/voximplant-scenario/rotate`));
    await panel.getByRole("button", { name: "Rotate scenario secret" }).click();
    expect((await rotated).status()).toBe(200);
    expect(dialogs.at(-1)).toMatch(/stops working at once.*replace it with the new scenario/);
    await panel.getByRole("status").filter({ hasText: "replace the scenario uploaded to VoxImplant" }).waitFor({ timeout: 10_000 });
    await expect.poll(() => script.inputValue()).not.toBe(before);
    await page.screenshot({ path: shot("voximplant-rotated"), fullPage: true });
    // Cards with their checks, the open scenario panel and the SIP column pass axe too.
    expect(await axe()).toEqual([]);
    await panel.getByRole("button", { name: "Close" }).click();
  });

  it("VoxImplant: imports the account's number not yet imported; it has no SIP dispatch status", async () => {
    await page.getByRole("button", { name: "Import numbers" }).click();
    const dialog = page.getByRole("form", { name: "Import numbers" });
    await input(dialog, "Connection").selectOption(voxId);
    await dialog.locator('[data-available="+15555550201"]').waitFor({ timeout: 15_000 });
    expect(await dialog.textContent()).toMatch(/binds each number to the connection's VoxImplant application/);
    await dialog.getByRole("checkbox", { name: "Import +15555550201" }).check();
    await dialog.getByRole("button", { name: "Import 1 number" }).click();
    const row = page.locator("[data-section=numbers] tr", { hasText: "+15555550201" });
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator("[data-sip]").count()).toBe(0);
    await expect.poll(() => voxCard().textContent()).toMatch(/Imported numbers\s*1/);
    await page.screenshot({ path: shot("voximplant-numbers"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
