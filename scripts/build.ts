// `npm run build`: the browser code the Worker serves as static assets. The widget (esbuild,
// size budgets enforced) and the dashboard (Vite, base /app/) are built, then laid out in one
// directory, `build/public` (wrangler's [assets] directory): widget files at the root, the
// dashboard under /app/.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { publicAssetsDir, root } from "./lib.ts";

function run(label: string, args: string[]): void {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`${label} failed (exit ${result.status})`);
    process.exit(1);
  }
}

run("the widget build", [join(root, "widget/build.ts")]);
run("the dashboard build", [join(root, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn", join(root, "dashboard")]);
run("the dashboard size check", [join(root, "dashboard/scripts/size.ts")]);

rmSync(publicAssetsDir, { recursive: true, force: true });
mkdirSync(publicAssetsDir, { recursive: true });
cpSync(join(root, "widget/dist"), publicAssetsDir, { recursive: true });
cpSync(join(root, "dashboard/dist"), join(publicAssetsDir, "app"), { recursive: true });
console.log(`assets ready in ${publicAssetsDir}`);
