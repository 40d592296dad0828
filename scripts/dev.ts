// `npm run dev`: the whole platform on embedded defaults — PGlite persisted under .data/pg behind
// the local wire server and WebSocket proxy, migrations, the demo seed, and the Worker in
// wrangler dev (real workerd) with the development OIDC issuer and mail viewer.
import { join } from "node:path";
import { newId } from "@speaknode/contracts";
import { createDatabase, seedDemo } from "@speaknode/db";
import { startEmbeddedDatabase, ws } from "@speaknode/db/node";
import { dataDir, devIssuerKey, ensureDir, startWorker, writeEnvFile } from "./lib.ts";

const port = Number(process.env["PORT"] ?? 8787);
const pgPort = Number(process.env["SPEAKNODE_PG_PORT"] ?? 54329);
const proxyPort = Number(process.env["SPEAKNODE_PG_PROXY_PORT"] ?? 54330);
const publicUrl = `http://127.0.0.1:${port}`;
const issuer = `${publicUrl}/dev/oidc`;

async function main(): Promise<void> {
  ensureDir(dataDir);
  const privateJwk = await devIssuerKey(dataDir);
  const externalUrl = process.env["DATABASE_URL"];
  const database = await startEmbeddedDatabase({ dataDir: join(dataDir, "pg"), externalUrl, port: pgPort, proxyPort });

  const seedHandle = createDatabase({ url: database.databaseUrl, localProxy: database.localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof WebSocket, max: 1 });
  const { spaceId } = await seedDemo(seedHandle.db, issuer, () => newId("user"));
  await seedHandle.close();

  const envFile = join(dataDir, "dev.vars");
  writeEnvFile(envFile, {
    DATABASE_URL: database.databaseUrl,
    DB_LOCAL_PROXY: database.localProxy,
    OIDC_ISSUER: issuer,
    DEV_TOOLS_ENABLED: "true",
    DEV_OIDC_PRIVATE_JWK: privateJwk,
    PUBLIC_URL: publicUrl,
  });
  const worker = await startWorker({ port, envFile, persistTo: join(dataDir, "wrangler") });

  const lines = [
    "",
    "Speaknode is running (embedded defaults, nothing leaves this machine):",
    `  API            ${publicUrl}/v1   (OpenAPI: ${publicUrl}/openapi.json)`,
    `  Health         ${publicUrl}/healthz`,
    `  Dev sign-in    ${issuer}/.well-known/openid-configuration`,
    `  Dev mail       ${publicUrl}/dev/mail`,
    `  Postgres       ${database.kind === "pglite" ? `PGlite in .data/pg, ${database.databaseUrl}` : "DATABASE_URL"}`,
    `  Demo space     ${spaceId} (owner@speaknode.local is Owner, member@speaknode.local is Member)`,
    `  Token          npm run -s token -- owner@speaknode.local`,
    "",
  ];
  console.log(lines.join("\n"));

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await worker.stop();
    await database.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
  worker.child.once("exit", () => void shutdown());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
