// The website widget in real headless Chromium against the whole local stack (embedded Postgres,
// the Worker in wrangler dev, the voice runtime with offline speech): a customer's page on another
// origin embeds the seeded demo agent, a visitor talks to it through a fake microphone that speaks
// a flite phrase, and the session lands in the API; a visitor who refuses the microphone is told.
// Then what a visitor meets around the call: the keyboard (Enter, Escape, focus), the language
// choice, the phone layout, the <speaknode-agent> alias, preview mode, and an agent whose voice
// cannot start (an OpenAI voice with no OPENAI_API_KEY), which must read as a failure.
// The Worker serves the widget from widget/dist: `npm test` builds it (`npm run build`) first, and
// the stack builds it when it is missing.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { demoAgentConfig, demoAgentId, demoSpaceId } from "@speaknode/db";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import {
  artifactsDir,
  captureSessionId,
  hostPageHtml,
  launchChromium,
  readWatch,
  sessionDetail,
  settleInState,
  silentWav,
  speechWav,
  startHostPage,
  waitForState,
  watchPage,
  type SessionDetailView,
} from "./lib.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-"));
let stack: LocalStack;
let host: { url: string; close(): Promise<void> };
const browsers: Browser[] = [];

beforeAll(async () => {
  // The broken-voice test needs the runtime (which inherits this environment) without OpenAI.
  delete process.env["OPENAI_API_KEY"];
  // Other browser tests write their screenshots here too: only add to it.
  mkdirSync(artifactsDir, { recursive: true });
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  host = await startHostPage(hostPageHtml(stack.url, demoAgentId));
});

afterAll(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await host?.close();
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

interface StateShots {
  add(state: string): void;
  done(): Promise<void>;
}

/** Screenshots the page the first time it reaches each state, as e2e/artifacts/<prefix>-<state>.png. */
function screenshotEachState(page: Page, prefix: string): StateShots {
  const seen = new Set<string>();
  const shots: Promise<unknown>[] = [];
  let closed = false;
  page.on("close", () => (closed = true));
  return {
    add(state) {
      if (seen.has(state) || closed) return;
      seen.add(state);
      shots.push(page.screenshot({ path: join(artifactsDir, `${prefix}-${state}.png`) }).catch(() => undefined));
    },
    async done() {
      await Promise.all(shots);
    },
  };
}

async function newPage(browser: Browser, prefix: string): Promise<{ page: Page; shots: StateShots }> {
  const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
  const page = await context.newPage();
  const shots = screenshotEachState(page, prefix);
  await watchPage(page, (state) => shots.add(state));
  return { page, shots };
}

describe("the widget on a customer's page", () => {
  it("talks with the demo agent: greeting heard, the visitor's question recognised and answered, hung up, session completed with a recording", async () => {
    const wav = speechWav(join(scratch, "mic"), "please check my order number forty two", 8);
    const browser = await launchChromium({ mic: "grant", micWav: wav });
    browsers.push(browser);
    const { page, shots } = await newPage(browser, "call");
    const pageErrors: string[] = [];
    const consoleLines: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    const sessionIdP = captureSessionId(page);

    await page.goto(`${host.url}?customer_name=Ada`);
    await waitForState(page, ["idle"], 20_000);
    const launcher = page.locator("speacknode-agent").getByRole("button").first();
    await expect.poll(() => launcher.isVisible()).toBe(true);
    await launcher.click();

    const sessionId = await sessionIdP;
    const ownerToken = await token(stack.url);
    // The agent greets (speaking), then hears the question the fake microphone speaks after 8 s,
    // thinks, checks the order with its tool and answers.
    await waitForState(page, ["speaking"], 30_000);
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const detail = await sessionDetail(stack.url, ownerToken, sessionId);
      const asked = detail.turns.findIndex((t) => t.role === "user" && /order/i.test(t.text));
      const answered = asked >= 0 && detail.turns.slice(asked + 1).some((t) => t.role === "agent");
      if (answered && detail.toolCalls.some((c) => c.name === "check_order")) break;
      await sleep(500);
    }
    // Let the answer play out (the widget back to listening for a while) before hanging up.
    await settleInState(page, "listening", 2000, 40_000).catch(async (err: unknown) => {
      const watch = await readWatch(page);
      throw new Error(`${String(err)}\nstates: ${JSON.stringify(watch.states)}\nconsole: ${consoleLines.join("\n")}\nsession: ${JSON.stringify(await sessionDetail(stack.url, ownerToken, sessionId))}`);
    });

    const end = page.locator("speacknode-agent").getByRole("button", { name: "End call" });
    await end.click();
    await waitForState(page, ["ended", "idle"], 20_000);
    await page.screenshot({ path: join(artifactsDir, "call-after-end.png") });

    const watch = await readWatch(page);
    const states = watch.states.map((s) => s.state);
    expect(states).toEqual(expect.arrayContaining(["connecting", "speaking", "listening"]));
    expect(states.indexOf("connecting")).toBeLessThan(states.indexOf("speaking"));
    // Sound reached the page's speakers, and the fake microphone was heard.
    expect(watch.firstAudioAtMs).not.toBeNull();
    expect(watch.audioPeakRms).toBeGreaterThan(0.01);
    expect(watch.micPeakRms).toBeGreaterThan(0.01);

    let final: SessionDetailView = await sessionDetail(stack.url, ownerToken, sessionId);
    for (let i = 0; i < 60 && final.status !== "completed" && final.status !== "failed"; i++) {
      await sleep(500);
      final = await sessionDetail(stack.url, ownerToken, sessionId);
    }
    expect(final.status).toBe("completed");
    expect(final.turns.length).toBeGreaterThanOrEqual(3);
    expect(final.turns[0]).toMatchObject({ role: "agent" });
    expect(final.turns[0]?.text).toContain("Ada");
    expect(final.turns.find((t) => t.role === "user")?.text).toMatch(/order/i);
    expect(final.toolCalls.map((c) => c.name)).toContain("check_order");
    expect(final.recordings.length).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
    await shots.done();
  });

  it("tells a visitor who refuses the microphone, with the error state and a visible message", async () => {
    const browser = await launchChromium({ mic: "deny" });
    browsers.push(browser);
    const { page, shots } = await newPage(browser, "mic-denied");
    await page.goto(host.url);
    await waitForState(page, ["idle"], 20_000);
    await page.locator("speacknode-agent").getByRole("button").first().click();
    await waitForState(page, ["error"], 30_000);
    expect(await page.getAttribute("speacknode-agent", "data-error")).toBe("mic_denied");
    await expect.poll(() => page.locator("speacknode-agent").getByText(/microphone/i).first().isVisible()).toBe(true);
    const watch = await readWatch(page);
    expect(watch.states.at(-1)).toMatchObject({ state: "error", error: "mic_denied" });
    await page.screenshot({ path: join(artifactsDir, "mic-denied-error.png") });
    await shots.done();
  });

  it("tells a visitor without a microphone", async () => {
    const browser = await launchChromium({ mic: "none" });
    browsers.push(browser);
    const { page, shots } = await newPage(browser, "mic-missing");
    await page.goto(host.url);
    await waitForState(page, ["idle"], 20_000);
    await page.locator("speacknode-agent").getByRole("button").first().click();
    await waitForState(page, ["error"], 30_000);
    expect(await page.getAttribute("speacknode-agent", "data-error")).toBe("mic_missing");
    await expect.poll(() => page.locator("speacknode-agent").getByText(/microphone/i).first().isVisible()).toBe(true);
    await page.screenshot({ path: join(artifactsDir, "mic-missing-error.png") });
    await shots.done();
  });

  it("runs on the agent's hosted page, which passes its own query string to the widget as variables", async () => {
    const browser = await launchChromium({ mic: "grant", micWav: silentWav(scratch, 10) });
    browsers.push(browser);
    const { page, shots } = await newPage(browser, "public-page");
    const dispatched = new Promise<unknown>((resolve) =>
      page.on("request", (req) => {
        if (req.method() === "POST" && req.url().endsWith(`/public/agents/${demoAgentId}/sessions`)) resolve(req.postDataJSON());
      }),
    );
    await page.goto(`${stack.url}/a/${demoAgentId}?customer_name=Ada`);
    expect(await page.title()).toBe("Speaknode demo · Speaknode");
    await waitForState(page, ["idle"], 20_000);
    await page.screenshot({ path: join(artifactsDir, "public-page.png") });
    await page.locator("speacknode-agent").getByRole("button").first().click();
    expect(await dispatched).toMatchObject({ variables: { customer_name: "Ada" } });
    await waitForState(page, ["speaking"], 30_000);
    await page.locator("speacknode-agent").getByRole("button", { name: "End call" }).click();
    await waitForState(page, ["ended", "idle"], 20_000);
    await shots.done();
  });
});

/** Creates an agent from the demo's configuration with `changes` and publishes it (forced: the pre-flight may object). */
async function publishedAgent(changes: Partial<typeof demoAgentConfig>): Promise<string> {
  const auth = { authorization: `Bearer ${await token(stack.url)}`, "content-type": "application/json" };
  const created = await fetch(`${stack.url}/v1/spaces/${demoSpaceId}/agents`, { method: "POST", headers: auth, body: JSON.stringify({ ...demoAgentConfig, ...changes }) });
  const agent = (await created.json()) as { id?: string };
  if (!created.ok || !agent.id) throw new Error(`create agent: ${created.status} ${JSON.stringify(agent)}`);
  const published = await fetch(`${stack.url}/v1/agents/${agent.id}/publish`, { method: "POST", headers: auth, body: JSON.stringify({ force: true }) });
  if (!published.ok) throw new Error(`publish: ${published.status} ${await published.text()}`);
  return agent.id;
}

/** What has focus inside the widget's shadow root. */
function focused(page: Page, tag = "speacknode-agent"): Promise<{ tag: string; cls: string; text: string } | null> {
  return page.evaluate((t) => {
    const active = document.querySelector(t)?.shadowRoot?.activeElement;
    return active ? { tag: active.tagName.toLowerCase(), cls: active.className, text: active.textContent ?? "" } : null;
  }, tag);
}

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("around the call", () => {
  const [locale] = demoAgentConfig.locales;
  if (!locale) throw new Error("the demo agent has no locale");

  it("works from the keyboard: Enter starts, focus rests on the panel (a second Enter neither hangs up nor mutes), the close button asks, Escape ends and closes", async () => {
    const browser = await launchChromium({ mic: "grant", micWav: silentWav(join(scratch, "keys"), 30) });
    browsers.push(browser);
    const { page, shots } = await newPage(browser, "keyboard");
    const sessionIdP = captureSessionId(page);
    await page.goto(host.url);
    await waitForState(page, ["idle"], 20_000);
    const widget = page.locator("speacknode-agent");
    await widget.getByRole("button", { name: "Talk to the demo" }).focus();
    await page.keyboard.press("Enter");
    await waitForState(page, ["connecting"], 10_000);
    await page.keyboard.press("Enter");
    await waitForState(page, ["speaking", "listening"], 30_000);
    expect(await focused(page)).toMatchObject({ tag: "section", cls: expect.stringContaining("panel") });
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await sleep(1500);
    expect(await page.getAttribute("speacknode-agent", "data-state")).toMatch(/^(speaking|listening|thinking)$/);
    expect(await widget.getByRole("button", { name: "Mute" }).getAttribute("aria-pressed")).toBe("false");

    await widget.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => widget.getByText("End the call and close?").isVisible()).toBe(true);
    // Focus moves in an effect after the question renders: wait for it rather than read it at once.
    await expect.poll(async () => (await focused(page))?.text, { timeout: 2000 }).toBe("Keep talking");
    expect(await widget.getByRole("button", { name: "End call and close" }).isVisible()).toBe(true);
    await page.screenshot({ path: join(artifactsDir, "keyboard-close-asks.png") });
    await page.keyboard.press("Enter");
    await expect.poll(() => widget.getByRole("button", { name: "Mute" }).isVisible()).toBe(true);
    expect(await page.getAttribute("speacknode-agent", "data-state")).toMatch(/^(speaking|listening|thinking)$/);

    await page.keyboard.press("Escape");
    await waitForState(page, ["idle"], 10_000);
    expect(await focused(page)).toMatchObject({ tag: "button", text: "Talk to the demo" });
    // The only end is Escape's.
    const states = (await readWatch(page)).states.map((s) => s.state);
    expect(states.filter((s) => s === "ended")).toHaveLength(1);
    expect(states.slice(-2)).toEqual(["ended", "idle"]);
    const sessionId = await sessionIdP;
    const ownerToken = await token(stack.url);
    let detail = await sessionDetail(stack.url, ownerToken, sessionId);
    for (let i = 0; i < 40 && detail.status !== "completed" && detail.status !== "failed"; i++) {
      await sleep(500);
      detail = await sessionDetail(stack.url, ownerToken, sessionId);
    }
    expect(detail.status).toBe("completed");
    await shots.done();
  });

  it("lets the visitor choose among the agent's languages, by name, before the call starts", async () => {
    const agentId = await publishedAgent({
      name: "Bilingual desk",
      locales: [locale, { ...locale, language: "de", firstMessage: "Hallo! Wie kann ich helfen?" }],
      widget: { ...demoAgentConfig.widget, displayName: "Bilingual desk", launcherText: "Talk to us" },
    });
    const bilingual = await startHostPage(hostPageHtml(stack.url, agentId));
    try {
      const browser = await launchChromium({ mic: "grant", micWav: silentWav(join(scratch, "lang"), 20) });
      browsers.push(browser);
      const { page, shots } = await newPage(browser, "language");
      const dispatched = new Promise<{ language?: string }>((resolve) =>
        page.on("request", (req) => {
          if (req.method() === "POST" && req.url().endsWith(`/public/agents/${agentId}/sessions`)) resolve(req.postDataJSON() as { language?: string });
        }),
      );
      await page.goto(bilingual.url);
      await waitForState(page, ["idle"], 20_000);
      const widget = page.locator("speacknode-agent");
      await widget.getByRole("button", { name: "Talk to us" }).click();
      const select = widget.getByLabel("Language");
      await select.waitFor();
      await waitForState(page, ["idle"], 5000);
      expect(await select.locator("option").allTextContents()).toEqual([expect.stringMatching(/^(English \(United States\)|American English)$/), "Deutsch"]);
      expect(await select.inputValue()).toBe("en-US");
      expect(await focused(page)).toMatchObject({ text: "Start" });
      await select.selectOption("de");
      await page.screenshot({ path: join(artifactsDir, "language-choice.png") });
      await widget.getByRole("button", { name: "Start" }).click();
      expect((await dispatched).language).toBe("de");
      await waitForState(page, ["connecting", "speaking", "listening", "error"], 10_000);
      // The choice is made: no select during the call.
      expect(await widget.getByLabel("Language").count()).toBe(0);
      await page.keyboard.press("Escape");
      await waitForState(page, ["idle"], 10_000);
      await shots.done();
    } finally {
      await bilingual.close();
    }
  });

  it("keeps the launcher, the panel and the hosted page's footer apart on a phone", async () => {
    const browser = await launchChromium({ mic: "grant", micWav: silentWav(join(scratch, "phone"), 20) });
    browsers.push(browser);
    const context = await browser.newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    await watchPage(page);
    await page.goto(`${stack.url}/a/${demoAgentId}`);
    await waitForState(page, ["idle"], 20_000);
    const launcher = page.locator("speacknode-agent").getByRole("button", { name: "Talk to the demo" });
    const footer = page.locator("footer");
    const [launcherBox, footerBox] = [await launcher.boundingBox(), await footer.boundingBox()];
    if (!launcherBox || !footerBox) throw new Error("launcher or footer not laid out");
    await page.screenshot({ path: join(artifactsDir, "phone-launcher.png") });
    expect(overlaps(launcherBox, footerBox)).toBe(false);
    expect(launcherBox.x + launcherBox.width).toBeLessThanOrEqual(375);

    await launcher.tap();
    const panel = page.locator("speacknode-agent section.panel");
    await panel.waitFor();
    await waitForState(page, ["speaking", "listening"], 30_000);
    const panelBox = await panel.boundingBox();
    if (!panelBox) throw new Error("panel not laid out");
    await page.screenshot({ path: join(artifactsDir, "phone-panel.png") });
    expect(overlaps(panelBox, footerBox)).toBe(false);
    expect(panelBox.x).toBeGreaterThanOrEqual(0);
    expect(panelBox.y).toBeGreaterThanOrEqual(0);
    expect(panelBox.x + panelBox.width).toBeLessThanOrEqual(375);
    // The panel's own controls are inside it, and the launcher is gone while it is open.
    const controls = await page.locator("speacknode-agent section.panel footer").boundingBox();
    expect(controls && controls.y + controls.height <= panelBox.y + panelBox.height + 0.5).toBe(true);
    expect(await launcher.count()).toBe(0);
    await page.locator("speacknode-agent").getByRole("button", { name: "End call", exact: true }).tap();
    await waitForState(page, ["ended"], 10_000);
  });

  it("answers to <speaknode-agent> as well as the documented <speacknode-agent>", async () => {
    const alias = await startHostPage(hostPageHtml(stack.url, demoAgentId).replaceAll("speacknode-agent", "speaknode-agent"));
    try {
      const browser = await launchChromium({ mic: "none" });
      browsers.push(browser);
      const page = await (await browser.newContext()).newPage();
      await page.goto(alias.url);
      await page.waitForSelector('speaknode-agent[data-state="idle"]', { state: "attached", timeout: 20_000 });
      expect(await page.locator("speaknode-agent").getByRole("button").first().textContent()).toBe("Talk to the demo");
      expect(await page.evaluate(() => customElements.get("speaknode-agent")?.prototype instanceof (customElements.get("speacknode-agent") ?? Object))).toBe(true);
      await page.screenshot({ path: join(artifactsDir, "alias-tag.png") });
    } finally {
      await alias.close();
    }
  });

  it("in preview mode uses the host's config and dispatch (never the public config), ignores a colour that is not #rrggbb, and shows the host's refusal", async () => {
    const config = {
      agentId: demoAgentId,
      displayName: "Draft demo",
      languages: [{ language: "en-US", default: true }],
      placement: "bottom-right",
      launcherText: "Test the draft",
      theme: { primaryColor: "#2b8a3e", textColor: "#ffffff", backgroundColor: "#ffffff" },
      showTranscript: true,
      acceptsVariables: [{ name: "customer_name", type: "string" }],
      version: 0,
    };
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Preview</title></head><body>
<speacknode-agent preview></speacknode-agent>
<script src="${stack.url}/speaknode-widget-loader.js" async></script>
<script type="module">
await customElements.whenDefined("speacknode-agent");
window.__requests = [];
document.querySelector("speacknode-agent").configure({
  variables: { customer_name: "Grace" },
  theme: { primaryColor: "teal" },
  preview: {
    config: ${JSON.stringify(config)},
    async dispatch(req) {
      window.__requests.push(req);
      if (window.__refuse) throw Object.assign(new Error("422"), { widgetMessage: "Add an OpenAI key to test this agent." });
      const res = await fetch("${stack.url}/public/agents/${demoAgentId}/sessions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(req) });
      return res.json();
    },
  },
});
</script></body></html>`;
    const preview = await startHostPage(html);
    try {
      const browser = await launchChromium({ mic: "grant", micWav: silentWav(join(scratch, "preview"), 20) });
      browsers.push(browser);
      const { page, shots } = await newPage(browser, "preview");
      const publicConfigFetches: string[] = [];
      const warnings: string[] = [];
      page.on("request", (req) => req.url().includes("/widget") && !req.url().endsWith(".js") && publicConfigFetches.push(req.url()));
      page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
      await page.goto(preview.url);
      await waitForState(page, ["idle"], 20_000);
      const widget = page.locator("speacknode-agent");
      const launcher = widget.getByRole("button", { name: "Test the draft" });
      expect(await launcher.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(43, 138, 62)");
      expect(warnings).toContain("speacknode-agent: theme.primaryColor is not a #rrggbb colour, ignored");
      await launcher.click();
      await waitForState(page, ["speaking", "listening"], 30_000);
      expect(await widget.getByRole("heading").textContent()).toBe("Draft demo");
      expect(await page.evaluate("window.__requests")).toEqual([{ variables: { customer_name: "Grace" }, language: "en-US" }]);
      await widget.getByRole("button", { name: "End call", exact: true }).click();
      await waitForState(page, ["ended"], 10_000);

      await page.evaluate("window.__refuse = true");
      await widget.getByRole("button", { name: "Talk again" }).click();
      await waitForState(page, ["error"], 10_000);
      expect(await page.getAttribute("speacknode-agent", "data-error")).toBe("session_failed");
      await expect.poll(() => widget.getByText("Add an OpenAI key to test this agent.").isVisible()).toBe(true);
      expect((await readWatch(page)).states.at(-1)).toMatchObject({ state: "error", message: "Add an OpenAI key to test this agent." });
      await page.screenshot({ path: join(artifactsDir, "preview-refused.png") });
      expect(publicConfigFetches).toEqual([]);
      await shots.done();
    } finally {
      await preview.close();
    }
  });

  it("shows an agent whose voice cannot start as a failure ('This agent cannot speak right now.'), never as a normal end", async () => {
    const agentId = await publishedAgent({
      name: "Broken voice",
      locales: [{ ...locale, tts: { provider: "openai", model: "gpt-4o-mini-tts", voice: "alloy", params: {} } }],
      widget: { ...demoAgentConfig.widget, displayName: "Broken voice", launcherText: "Talk to broken" },
    });
    const broken = await startHostPage(hostPageHtml(stack.url, agentId));
    try {
      const browser = await launchChromium({ mic: "grant", micWav: silentWav(join(scratch, "broken"), 20) });
      browsers.push(browser);
      const { page, shots } = await newPage(browser, "broken-voice");
      const sessionIdP = captureSessionId(page);
      await page.goto(broken.url);
      await waitForState(page, ["idle"], 20_000);
      await page.locator("speacknode-agent").getByRole("button", { name: "Talk to broken" }).click();
      await waitForState(page, ["error", "ended"], 40_000);
      const watch = await readWatch(page);
      expect(watch.states.map((s) => s.state)).not.toContain("ended");
      expect(watch.states.at(-1)).toMatchObject({ state: "error", error: "session_failed", message: "This agent cannot speak right now." });
      await expect.poll(() => page.locator("speacknode-agent").getByText("This agent cannot speak right now.").isVisible()).toBe(true);
      expect(await page.locator("speacknode-agent").getByText("Conversation ended").count()).toBe(0);
      await page.screenshot({ path: join(artifactsDir, "broken-voice-error.png") });
      const detail = await sessionDetail(stack.url, await token(stack.url), await sessionIdP);
      expect(detail.status).toBe("failed");
      await shots.done();
    } finally {
      await broken.close();
    }
  });
});
