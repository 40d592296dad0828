// After `vite build`: the gzipped size of the JS index.html loads up front (its entry and the
// chunks the entry imports statically) versus the lazy page chunks; fails over the 80 KB budget.
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

export const initialBudgetGzipBytes = 80 * 1024;
const dist = new URL("../dist/", import.meta.url).pathname;
const html = readFileSync(join(dist, "index.html"), "utf8");

// Entry scripts and modulepreloads that index.html references: what the first paint downloads.
const initial = new Set([...html.matchAll(/(?:src|href)="\/app\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] ?? ""));
const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;

let initialBytes = 0;
const lines: string[] = [];
for (const name of readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".js") || f.endsWith(".css")).sort()) {
  const file = `assets/${name}`;
  const size = gz(file);
  const first = initial.has(file) || (name.endsWith(".css") && html.includes(file));
  if (first && name.endsWith(".js")) initialBytes += size;
  lines.push(`${file.padEnd(44)} ${String(size).padStart(7)} B gzipped${first ? "  (initial)" : ""}`);
}
console.log(lines.join("\n"));
console.log(`initial JS: ${initialBytes} B gzipped (budget ${initialBudgetGzipBytes} B)`);
if (initialBytes > initialBudgetGzipBytes) {
  console.error("dashboard initial JS is over budget: lazy-load more");
  process.exit(1);
}
