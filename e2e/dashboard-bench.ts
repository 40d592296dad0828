// The dashboard's part of `npm run bench`: the gzipped size of the JS its index.html loads up front
// (the entry module and its modulepreloads, as the Worker serves them from build/public/app), and
// how long a signed-in user waits from navigating to a space's agents until the table shows the
// agent, in real headless Chromium against a running local stack (median of a few navigations).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Page } from "playwright-core";
import { demoAgentId, demoSpaceId } from "@speaknode/db";
import { buildPublicAssets, freePort, publicAssetsDir, startLocalStack } from "../scripts/lib.ts";
import { fmt, summary } from "../scripts/bench/stats.ts";
import { launchChromium, signInToDashboard } from "./lib.ts";

const runs = 5;
const appDir = join(publicAssetsDir, "app");

/**
 * The files under /app/ that index.html makes the browser fetch before the first paint: module
 * scripts and modulepreloads (the lazy page chunks are left out). The same rule as
 * dashboard/scripts/size.ts, which checks the budget at build time.
 */
export function dashboardInitialJs(html: string): string[] {
  const files = new Set<string>();
  for (const [tag] of html.matchAll(/<(?:script|link)\b[^>]*>/g)) {
    const isModule = /^<script\b/.test(tag) && /\btype="module"/.test(tag);
    const isPreload = /^<link\b/.test(tag) && /\brel="modulepreload"/.test(tag);
    const url = /\b(?:src|href)="\/app\/([^"]+\.js)"/.exec(tag)?.[1];
    if ((isModule || isPreload) && url) files.add(url);
  }
  return [...files];
}

export function dashboardSizes(): string[] {
  const files = dashboardInitialJs(readFileSync(join(appDir, "index.html"), "utf8"));
  if (files.length === 0) throw new Error(`${appDir}/index.html loads no module script: build first`);
  const bytes = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(appDir, f)), { level: 9 }).length, 0);
  return [
    `BENCH dashboard.initial_js_gzip_bytes=${bytes} bytes`,
    `(gzip -9 of the JS build/public/app/index.html loads up front, its module script and modulepreloads: ${files.join(", ")}; the pages are lazy chunks on top; budget 80 KB, dashboard/scripts/size.ts)`,
  ];
}

// Run in each page before its own scripts: the page-clock time (performance.now(), from the start
// of the navigation) at which the agents table first holds the link to `agentId`.
const readyScript = (agentId: string) => `(() => {
  const selector = 'table a[href$="/agents/${agentId}"]';
  const observer = new MutationObserver(() => {
    if (window.__snAgentsReadyAt === undefined && document.querySelector(selector)) {
      window.__snAgentsReadyAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

/**
 * Navigation to /app/spaces/{space}/agents → the agents table shows `agentId`, signed in as the
 * owner: `runs` times in a fresh browser context each (cold HTTP cache; the signed-in tab's
 * sessionStorage copied in before the app starts), then `runs` times reloading one warm tab.
 */
export async function dashboardAgentsListBench(base: string, spaceId = demoSpaceId, agentId = demoAgentId): Promise<string[]> {
  const url = `${base}/app/spaces/${spaceId}/agents`;
  const browser = await launchChromium({ mic: "none" });
  const cold: number[] = [];
  const warm: number[] = [];
  const readyAt = async (page: Page): Promise<number> => {
    await page.waitForFunction("window.__snAgentsReadyAt !== undefined", undefined, { timeout: 20_000 });
    if (new URL(page.url()).pathname !== new URL(url).pathname) throw new Error(`the agents list was left for ${page.url()}`);
    return (await page.evaluate("window.__snAgentsReadyAt")) as number;
  };
  try {
    const signedIn = await browser.newContext();
    const tab = await signedIn.newPage();
    await signInToDashboard(tab, base);
    await tab.waitForURL((u) => u.pathname.startsWith(`/app/spaces/`), { timeout: 20_000 });
    const storage = (await tab.evaluate("JSON.stringify(Object.entries(sessionStorage))")) as string;
    const restore = `(() => {
  if (location.origin !== ${JSON.stringify(new URL(base).origin)}) return;
  for (const [k, v] of ${storage}) if (sessionStorage.getItem(k) === null) sessionStorage.setItem(k, v);
})();`;
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      await context.addInitScript({ content: restore });
      await context.addInitScript({ content: readyScript(agentId) });
      const page = await context.newPage();
      await page.goto(url);
      cold.push(await readyAt(page));
      await context.close();
    }
    await tab.addInitScript({ content: readyScript(agentId) });
    await tab.goto(url);
    await readyAt(tab); // fills the cache
    for (let i = 0; i < runs; i++) {
      await tab.goto(url);
      warm.push(await readyAt(tab));
    }
    await signedIn.close();
  } finally {
    await browser.close();
  }
  const c = summary(cold);
  const w = summary(warm);
  return [
    `BENCH dashboard.agents_list_ready_ms=${fmt(c.p50, 0)} ms`,
    `BENCH dashboard.agents_list_ready_warm_ms=${fmt(w.p50, 0)} ms`,
    `(median of ${runs} navigations to /app/spaces/{demo}/agents, already signed in, headless Chromium against wrangler dev on loopback; from the navigation's start (performance.timeOrigin) until a MutationObserver sees the demo agent's link in the agents table: index.html, the entry JS, /v1/me and /v1/spaces, the lazy AgentsPage chunk, /v1/spaces/{id}/agents and the render; first a fresh browser context each time (cold HTTP cache, the signed-in tab's sessionStorage copied in), warm = reloading one tab; all runs: cold ${cold.map((v) => fmt(v, 0)).join(", ")} ms, warm ${warm.map((v) => fmt(v, 0)).join(", ")} ms)`,
  ];
}

if (process.argv[1] === import.meta.filename) {
  buildPublicAssets({ quiet: true });
  for (const line of dashboardSizes()) console.log(line);
  const scratch = mkdtempSync(join(tmpdir(), "speaknode-dashboard-bench-"));
  const stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true });
  try {
    for (const line of await dashboardAgentsListBench(stack.url, stack.demoSpaceId, stack.demoAgentId)) console.log(line);
  } finally {
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  process.exit(0);
}
