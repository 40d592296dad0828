// The agent editor's Turn-taking tab in real headless Chromium against the local stack (embedded
// Postgres, the Worker in wrangler dev serving build/public). The Owner opens the demo agent's tab
// (the defaults: the end-of-turn model, 250 ms, and the demo's 1500 ms maximum, the built-in English backchannels), switches
// to silence-only detection with the keyboard (the endpointing delays grey out) and back, sees a
// maximum delay under the minimum and a phrase with "!" refused on their fields, fixes them, saves,
// reloads and finds every setting as saved; resets the backchannels to the built-in list; the
// Publish tab's comparison names the changed fields. Axe finds nothing serious on the tab.
// Screenshots go to e2e/artifacts/turn-settings-*.png.
// The Worker serves the dashboard from build/public: build first (`node scripts/build.ts`).
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { demoAgentConfig, demoAgentId } from "@speaknode/db";
import { defaultBackchannels, type TurnSettings } from "../packages/contracts/src/turn-taking.ts";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { artifactsDir, launchChromium, signedInPage } from "./lib.ts";
import { axeFindings } from "./axe.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-turn-"));
const shot = (name: string) => join(artifactsDir, `turn-settings-${name}.png`);

let stack: LocalStack;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(artifactsDir, { recursive: true });
  for (const f of readdirSync(artifactsDir).filter((n) => n.startsWith("turn-settings-"))) rmSync(join(artifactsDir, f), { force: true });
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  browser = await launchChromium({ mic: "none" });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const editorUrl = () => `${stack.url}/app/spaces/${stack.demoSpaceId}/agents/${demoAgentId}`;

/** The editor of the demo agent on its Turn-taking tab. */
async function openTurnTab(page: Page): Promise<void> {
  await page.goto(editorUrl());
  await page.getByRole("tab", { name: "Turn-taking" }).click({ timeout: 20_000 });
  await page.getByRole("radiogroup", { name: "End-of-turn detection" }).waitFor();
}

/** A field by the start of its label (its hint or error follows in the label). */
const number = (page: Page, label: string) => page.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
const english = (page: Page) => page.locator("[data-backchannels=en]");

/** Save with the toolbar's button; the PATCH's body and answer. */
async function save(page: Page): Promise<{ sent: { turn?: TurnSettings }; status: number; saved: { turn: TurnSettings } }> {
  const answer = page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().endsWith(`/v1/agents/${demoAgentId}`));
  await page.getByRole("button", { name: "Save", exact: true }).click();
  const r = await answer;
  const result = { sent: r.request().postDataJSON() as { turn?: TurnSettings }, status: r.status(), saved: (await r.json()) as { turn: TurnSettings } };
  await page.getByText("Unsaved changes").first().waitFor({ state: "detached", timeout: 15_000 });
  return result;
}

describe("the agent editor's Turn-taking tab", () => {
  let owner: Page;

  it("shows the defaults: the end-of-turn model, its delays and the built-in English backchannels", async () => {
    owner = await signedInPage(browser, stack.url, "Olivia Owner", { contexts, pageErrors });
    await openTurnTab(owner);
    expect(await owner.getByRole("radio", { name: /^End-of-turn model/ }).isChecked()).toBe(true);
    expect(await number(owner, "Minimum endpointing delay (ms)").inputValue()).toBe("250");
    expect(await number(owner, "Maximum endpointing delay (ms)").inputValue()).toBe(String(demoAgentConfig.turn.maxEndpointingDelayMs));
    expect(await owner.getByRole("checkbox", { name: /^Start the reply before the turn is confirmed/ }).isChecked()).toBe(true);
    // The page re-renders after the click; on a loaded machine not by the time of the next read.
    await expect.poll(() => english(owner).getByRole("textbox").inputValue(), { timeout: 10_000 }).toBe((defaultBackchannels["en"] ?? []).join(", "));
    await expect.poll(() => english(owner).locator("[data-backchannels-status]").getAttribute("data-backchannels-status"), { timeout: 10_000 }).toBe("built-in");
    // The VAD moved here from the Models tab.
    await owner.getByRole("heading", { name: "Voice activity detection" }).waitFor();
    await owner.screenshot({ path: shot("defaults"), fullPage: true });
    expect(await axeFindings(owner)).toEqual([]);
  });

  it("switches to silence-only detection with the arrow keys, which greys out the endpointing delays", async () => {
    await owner.getByRole("radio", { name: /^End-of-turn model/ }).focus();
    await owner.keyboard.press("ArrowDown");
    expect(await owner.getByRole("radio", { name: /^Silence only/ }).isChecked()).toBe(true);
    expect(await number(owner, "Minimum endpointing delay (ms)").isDisabled()).toBe(true);
    expect(await number(owner, "Phone calls · Maximum endpointing delay (ms)").isDisabled()).toBe(true);
    expect(await number(owner, "Phone calls · Minimum interruption speech (ms)").isDisabled()).toBe(false);
    await owner.screenshot({ path: shot("vad") });
    await owner.keyboard.press("ArrowUp");
    expect(await owner.getByRole("radio", { name: /^End-of-turn model/ }).isChecked()).toBe(true);
    expect(await number(owner, "Minimum endpointing delay (ms)").isDisabled()).toBe(false);
  });

  it("refuses a maximum delay under the minimum and a phrase that is not words, on their fields, before sending", async () => {
    let patches = 0;
    owner.on("request", (r) => void (r.method() === "PATCH" && r.url().endsWith(`/v1/agents/${demoAgentId}`) && patches++));
    await number(owner, "Maximum endpointing delay (ms)").fill("100");
    await english(owner).getByRole("textbox").fill("yeah, ok!, uh-huh");
    await owner.getByRole("button", { name: "Save", exact: true }).click();
    const max = number(owner, "Maximum endpointing delay (ms)");
    await expect.poll(() => max.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await max.getAttribute("aria-describedby")) ?? "";
    expect(await owner.locator(`[id="${describedBy.split(" ")[0]}"]`).textContent()).toBe("must be at least the minimum endpointing delay");
    expect(await english(owner).locator(".error").textContent()).toContain('"ok!" must be letters, spaces, hyphens or apostrophes');
    expect(await english(owner).getByRole("textbox").getAttribute("aria-invalid")).toBe("true");
    expect(await owner.getByRole("tab", { name: /Turn-taking/ }).textContent()).toMatch(/Turn-taking\s*\d/);
    await owner.screenshot({ path: shot("errors"), fullPage: true });
    expect(patches).toBe(0);
    expect(await axeFindings(owner)).toEqual([]);
  });

  it("saves every setting, and a reload shows them as saved", async () => {
    await number(owner, "Maximum endpointing delay (ms)").fill("4000");
    await number(owner, "Minimum endpointing delay (ms)").fill("300");
    await owner.getByRole("checkbox", { name: /^Start the reply before the turn is confirmed/ }).uncheck();
    await number(owner, "Minimum interruption speech (ms)").fill("350");
    await number(owner, "Minimum words to interrupt").fill("2");
    await owner.getByRole("checkbox", { name: /^Resume where it stopped/ }).uncheck();
    await english(owner).getByRole("textbox").fill("yeah, uh-huh, all right,");
    await number(owner, "Phone calls · Maximum endpointing delay (ms)").fill("5000");
    expect(await english(owner).locator("[data-backchannels-status]").getAttribute("data-backchannels-status")).toBe("custom");
    const { sent, status, saved } = await save(owner);
    expect(status).toBe(200);
    const expected = {
      detection: "semantic",
      minEndpointingDelayMs: 300,
      maxEndpointingDelayMs: 4000,
      preemptiveGeneration: false,
      interruption: { minDurationMs: 350, minWords: 2, resumeFalseInterruption: false, backchannels: { en: ["yeah", "uh-huh", "all right"] } },
      phone: { maxEndpointingDelayMs: 5000 },
    };
    expect(sent.turn).toEqual(expected);
    expect(saved.turn).toEqual(expected);

    await owner.reload();
    await owner.getByRole("tab", { name: "Turn-taking" }).click({ timeout: 20_000 });
    expect(await number(owner, "Minimum endpointing delay (ms)").inputValue()).toBe("300");
    expect(await number(owner, "Maximum endpointing delay (ms)").inputValue()).toBe("4000");
    expect(await owner.getByRole("checkbox", { name: /^Start the reply before the turn is confirmed/ }).isChecked()).toBe(false);
    expect(await number(owner, "Minimum interruption speech (ms)").inputValue()).toBe("350");
    expect(await number(owner, "Minimum words to interrupt").inputValue()).toBe("2");
    expect(await owner.getByRole("checkbox", { name: /^Resume where it stopped/ }).isChecked()).toBe(false);
    expect(await english(owner).getByRole("textbox").inputValue()).toBe("yeah, uh-huh, all right");
    expect(await number(owner, "Phone calls · Maximum endpointing delay (ms)").inputValue()).toBe("5000");
    expect(await number(owner, "Phone calls · Minimum endpointing delay (ms)").inputValue()).toBe("");
    await owner.screenshot({ path: shot("saved"), fullPage: true });
  });

  it("names the changed fields in the Publish tab's comparison with the published version", async () => {
    await owner.getByRole("tab", { name: "Publish" }).click();
    await owner.getByRole("button", { name: "Compare with draft" }).first().click();
    const diff = owner.locator("[data-version-diff]");
    await diff.waitFor({ timeout: 10_000 });
    const text = (await diff.textContent()) ?? "";
    for (const field of ["Turn-taking › Maximum endpointing delay (ms)", "Turn-taking › Preemptive replies", "Interruptions › Minimum words", "Interruptions › Backchannels English (en)", "Phone calls › Maximum endpointing delay (ms)"]) {
      expect(text).toContain(field);
    }
    await diff.scrollIntoViewIfNeeded();
    await owner.screenshot({ path: shot("diff"), fullPage: true });
  });

  it("resets the English backchannels to the built-in list, which is then no longer stored", async () => {
    await owner.getByRole("tab", { name: "Turn-taking" }).click();
    await english(owner).getByRole("button", { name: /^Reset English/ }).click();
    // The page re-renders after the click; on a loaded machine not by the time of the next read.
    await expect.poll(() => english(owner).getByRole("textbox").inputValue(), { timeout: 10_000 }).toBe((defaultBackchannels["en"] ?? []).join(", "));
    await expect.poll(() => english(owner).locator("[data-backchannels-status]").getAttribute("data-backchannels-status"), { timeout: 10_000 }).toBe("built-in");
    const { saved } = await save(owner);
    expect(saved.turn.interruption.backchannels).toEqual({});
    expect(pageErrors).toEqual([]);
  });
});
