// Builds the dashboard into dashboard/dist for the Worker to serve under /app/. Pages other than
// the shell are dynamic imports, so the initial JS stays within its gzip budget (scripts/size.ts).
import { defineConfig } from "vite";

export default defineConfig({
  base: "/app/",
  // Preact's automatic JSX runtime; no preset needed (no React aliasing, no HMR plugin).
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  // No dev-server setup: the app must run on the Worker's origin, which is also the dev issuer's
  // (tokens name it), so `npm run dev -w dashboard` rebuilds dist for the Worker to serve instead.
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: true },
});
