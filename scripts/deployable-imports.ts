// Which deployable may import which: a deployable depends on packages (imported from source), not
// on another deployable's files. The one exception is the Worker, which must export the Durable
// Object classes it hosts and types its stubs from them. Checked by scripts/check-sources.ts.
import { posix } from "node:path";

/** Deployables whose files are product code; scripts, e2e and simulators are tools and may reach in. */
const deployables = ["workers", "durable-objects", "voice-runtime", "dashboard", "widget", "packages"] as const;

/** What each deployable (or one folder of it) may import by relative path besides its own folder and packages/. */
const alsoAllowed: Record<string, readonly string[]> = {
  workers: ["durable-objects"],
  // The CampaignRunner ships inside the Worker's script (one wrangler.toml) and places its calls
  // through the Worker's outbound path, the same code as POST /v1/agents/{id}/calls, not a copy.
  "durable-objects/campaign-runner": ["workers"],
};

// `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`.
const specifier = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

/** One line per import that crosses into another deployable's files. */
export function crossDeployableImports(files: { path: string; text: string }[]): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    const owner = path.split("/")[0] ?? "";
    if (!(deployables as readonly string[]).includes(owner)) continue;
    const folder = path.split("/").slice(0, 2).join("/");
    const allowed = new Set([owner, "packages", ...(alsoAllowed[owner] ?? []), ...(alsoAllowed[folder] ?? [])]);
    text.split("\n").forEach((line, i) => {
      for (const match of line.matchAll(specifier)) {
        const spec = match[1] ?? "";
        if (!spec.startsWith(".")) continue;
        const target = posix.normalize(posix.join(posix.dirname(path), spec));
        const top = target.split("/")[0] ?? "";
        // Development tools (scripts/, e2e/, simulators/) are not deployables; tests may use them.
        if ((deployables as readonly string[]).includes(top) && !allowed.has(top)) problems.push(`${path}:${i + 1} imports ${top}/ (a deployable depends on packages, not on another deployable): ${line.trim()}`);
      }
    });
  }
  return problems;
}
