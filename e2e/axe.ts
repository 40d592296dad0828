// The accessibility check the dashboard's browser tests share (its own file: e2e/lib.ts is also
// compiled without DOM types for the browser bench).
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { AxeResults } from "axe-core";
import { root } from "../scripts/lib.ts";

/** axe-core's serious and critical findings (WCAG 2.1 A/AA and best practice) on the page as it is. */
export async function axeFindings(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: join(root, "node_modules", "axe-core", "axe.min.js") });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<AxeResults> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }, resultTypes: ["violations"] });
    return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(" ")}`);
  });
}
