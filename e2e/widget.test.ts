// The website widget in real headless Chromium against the whole local stack (embedded Postgres,
// the Worker in wrangler dev, the voice runtime with offline speech): a customer's page on another
// origin embeds the seeded demo agent, a visitor talks to it through a fake microphone that speaks
// a flite phrase, and the session lands in the API; a visitor who refuses the microphone is told.
// The Worker serves the widget from widget/dist: `npm test` builds it (`npm run build`) first, and
// the stack builds it when it is missing.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { demoAgentId } from "@speaknode/db";
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
  rmSync(artifactsDir, { recursive: true, force: true });
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
