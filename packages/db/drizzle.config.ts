import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: ["./packages/db/src/schema.ts", "./packages/db/src/schema-agents.ts", "./packages/db/src/schema-sessions.ts", "./packages/db/src/schema-telemetry.ts", "./packages/db/src/schema-credentials.ts", "./packages/db/src/schema-telephony.ts", "./packages/db/src/schema-campaigns.ts", "./packages/db/src/schema-billing.ts", "./packages/db/src/schema-webhooks.ts", "./packages/db/src/schema-agent-tests.ts"],
  out: "./packages/db/migrations",
});
