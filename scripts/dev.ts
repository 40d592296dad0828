// `npm run dev`: the whole platform on embedded defaults — PGlite persisted under .data/pg behind
// the local wire server and WebSocket proxy, migrations, the demo seed, and the Worker in
// wrangler dev (real workerd) with the development OIDC issuer and mail viewer, and the voice
// runtime on its local WebSocket media transport with the offline speech providers. The widget is
// built first (`npm run build`): the Worker serves its files. Billing runs on the local ledger;
// `npm run dev -- --billing lago` bills through the Lago simulator instead (production's path).
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildPublicAssets, dataDir, ensureDir, startLocalStack } from "./lib.ts";
import { requireSystemPackages } from "./system-packages.ts";
import { demoPhoneNumber, demoVoximplantNumber } from "@speaknode/db";

const port = Number(process.env["PORT"] ?? 8787);

function billingOption(): "ledger" | "lago" {
  const { values } = parseArgs({ options: { billing: { type: "string", default: "ledger" } } });
  if (values.billing !== "ledger" && values.billing !== "lago") throw new Error(`--billing must be ledger or lago, not ${values.billing}`);
  return values.billing;
}

async function main(): Promise<void> {
  const billing = billingOption();
  requireSystemPackages("dev");
  buildPublicAssets();
  const runtimeMediaPort = Number(process.env["SPEAKNODE_MEDIA_PORT"] ?? 8790);
  const stack = await startLocalStack({
    runtimeMediaPort,
    port,
    workDir: dataDir,
    pgDataDir: join(ensureDir(dataDir), "pg"),
    pgPort: Number(process.env["SPEAKNODE_PG_PORT"] ?? 54329),
    proxyPort: Number(process.env["SPEAKNODE_PG_PROXY_PORT"] ?? 54330),
    twilioSimulatorPort: Number(process.env["SPEAKNODE_TWILIO_SIM_PORT"] ?? 8791),
    voximplant: { simulatorPort: Number(process.env["SPEAKNODE_VOXIMPLANT_SIM_PORT"] ?? 8793), bridgePort: Number(process.env["SPEAKNODE_BRIDGE_PORT"] ?? 8792) },
    ...(billing === "lago" ? { lago: { simulatorPort: Number(process.env["SPEAKNODE_LAGO_SIM_PORT"] ?? 8795) } } : {}),
  });
  const { url, issuer, database } = stack;
  console.log(
    [
      "",
      "Speaknode is running (embedded defaults, nothing leaves this machine):",
      `  Dashboard      ${url}/app/   (sign in as Olivia Owner; agents, tools, sessions with traces, analytics)`,
      `  API            ${url}/v1   (OpenAPI: ${url}/openapi.json)`,
      `  Health         ${url}/healthz`,
      `  Dev sign-in    ${issuer}/.well-known/openid-configuration`,
      `  Dev mail       ${url}/dev/mail`,
      `  Postgres       ${database.kind === "pglite" ? `PGlite in .data/pg, ${database.databaseUrl}` : "DATABASE_URL"}`,
      `  Demo space     ${stack.demoSpaceId} (owner@speaknode.local is Owner, member@speaknode.local is Member)`,
      `  Demo agent     ${url}/a/${stack.demoAgentId}?customer_name=Ada   (the widget on a hosted page)`,
      `  Widget loader  ${url}/speaknode-widget-loader.js`,
      `  Voice runtime  ${stack.runtime?.mediaUrl ?? "not running"} (local media transport; Twilio Media Streams beside it)`,
      `  Twilio (sim)   ${stack.twilio?.url ?? "not running"}   (simulated Twilio: the demo number ${demoPhoneNumber} rings the demo agent; npm run call -- --phone)`,
      `  VoxImplant (sim) ${stack.voximplant?.url ?? "not running"}   (simulated VoxImplant: ${demoVoximplantNumber} runs the generated VoxEngine scenario; npm run call -- --phone --provider voximplant)`,
      `  Media bridge   ${stack.bridge?.url ?? "not running"}   (VoxImplant WebSocket media ⇄ the runtime's local transport)`,
      stack.lago
        ? `  Lago (sim)     ${stack.lago.url}   (simulated Lago, NOT Lago: usage events, invoices, portal; provisioned; webhooks to ${url}/billing/lago/webhooks)`
        : `  Billing        local ledger (npm run dev -- --billing lago: through the Lago simulator)`,
      `  Token          npm run -s token -- owner@speaknode.local`,
      "",
    ].join("\n"),
  );

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
  stack.worker.child.once("exit", () => void shutdown());
  stack.runtime?.child.once("exit", () => void shutdown());
  stack.bridge?.child.once("exit", () => void shutdown());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
