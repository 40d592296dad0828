// Test projects: `workers` runs inside workerd (the real Workers runtime) through
// @cloudflare/vitest-plugin against real Postgres started by its global setup; `node` runs the
// Node-side code (embedded Postgres server, scripts); `voice-runtime` the voice runtime in Node;
// `widget` the browser widget's pure logic (state machine, PCM, protocol) in Node; `e2e` drives
// the built widget in real headless Chromium against a whole local stack.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    reporters: ["default", "./scripts/summary-reporter.ts"],
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                DATABASE_URL: inject("databaseUrl"),
                DB_LOCAL_PROXY: inject("dbLocalProxy"),
                OIDC_ISSUER: "http://127.0.0.1:8787/dev/oidc",
                DEV_TOOLS_ENABLED: "true",
                SECRETS_KEY: "dGVzdC1zZWNyZXRzLWtleS0zMi1ieXRlcy1sb25nISE=",
                RUNTIME_TOKEN_SECRET: "test-runtime-token-secret-of-32-chars!",
                DEV_OIDC_PRIVATE_JWK: inject("devPrivateJwk"),
                FOREIGN_ISSUER: inject("foreignIssuer"),
                FOREIGN_PRIVATE_JWK: inject("foreignPrivateJwk"),
                // The Lago simulator; BILLING_DRIVER stays ledger, Lago tests build their own LagoConfig.
                LAGO_SIM_URL: inject("lagoSimUrl"),
                // New spaces in tests start on the seeded Scale plan, whose limits no other test
                // reaches; the billing tests move their spaces between plans themselves.
                BILLING_DEFAULT_PLAN: "scale",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["workers/**/*.test.ts", "durable-objects/**/*.test.ts"],
          globalSetup: ["./workers/test/global-setup.ts"],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "node",
          include: ["packages/**/*.test.ts", "scripts/**/*.test.ts", "simulators/**/*.test.ts", "deploy/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // The dashboard's stores, reducers, PKCE and API client, in Node without a DOM.
          name: "dashboard",
          include: ["dashboard/src/**/*.test.ts"],
          exclude: ["**/node_modules/**", "dashboard/dist/**"],
          environment: "node",
        },
      },
      {
        test: {
          name: "widget",
          include: ["widget/**/*.test.ts"],
          exclude: ["**/node_modules/**", "widget/dist/**"],
          environment: "node",
        },
      },
      {
        test: {
          name: "voice-runtime",
          include: ["voice-runtime/**/*.test.ts"],
          environment: "node",
          // The runtime's native modules (rtc-node's FFI, onnxruntime) want a process each.
          pool: "forks",
          setupFiles: ["./voice-runtime/test/setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["e2e/**/*.test.ts"],
          environment: "node",
          // Each file starts a whole stack (database, wrangler dev, voice runtime) and browsers.
          fileParallelism: false,
          // A group of its own: vitest runs it apart from the other projects (group 0), alone. Its
          // calls are heard in real time (pocketsphinx on the line, VAD and end-of-turn timings),
          // and on 2 cores the workers project's workerd and the runtime's audio tests running
          // beside them starved the recogniser into wrong turns.
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
