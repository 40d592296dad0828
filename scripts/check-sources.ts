// Source rules the type checker does not enforce: no `any`, no stub left behind, no deployable
// importing another deployable's files (deployable-imports.ts), and no schema of what reaches
// Postgres built on raw zod strings (storable-text.ts).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { crossDeployableImports } from "./deployable-imports.ts";
import { rawTextSchemas } from "./storable-text.ts";

const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.tsx"], { encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !f.endsWith(".d.ts") && !f.includes("node_modules/"));

// Built from pieces so that this file does not match its own rules.
const anyType = "an" + "y";
const rules: [RegExp, string][] = [
  [new RegExp(`:\\s*${anyType}\\b|\\bas ${anyType}\\b|<${anyType}>`), "uses `any`"],
  [new RegExp(["not", "implemented"].join(" ") + "|TODO: " + "implement", "i"), "is a stub"],
];

const problems: string[] = [];
const sources: { path: string; text: string }[] = [];
for (const file of files) {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    continue; // deleted in the work tree
  }
  sources.push({ path: file, text });
  text.split("\n").forEach((line, i) => {
    for (const [pattern, what] of rules) if (pattern.test(line)) problems.push(`${file}:${i + 1} ${what}: ${line.trim()}`);
  });
}
problems.push(...crossDeployableImports(sources));
problems.push(...rawTextSchemas(sources));
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`source checks passed (${files.length} files)`);
