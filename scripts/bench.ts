// `npm run bench`: figures measured in one run against a local stack started here (its own
// embedded database in memory and its own wrangler dev on a free port), each compared with a
// baseline measured in the same run. Prints `BENCH <name>=<value> <unit>` lines.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "@speaknode/contracts";
import { createDatabase, seedDemo } from "@speaknode/db";
import { startEmbeddedDatabase, ws } from "@speaknode/db/node";
import { devIssuerKey, startWorker, writeEnvFile } from "./lib.ts";
import { apiBench } from "./bench/api.ts";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}

const work = mkdtempSync(join(tmpdir(), "speaknode-bench-"));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const issuer = `${base}/dev/oidc`;
const database = await startEmbeddedDatabase({ externalUrl: process.env["DATABASE_URL"] });
const seed = createDatabase({ url: database.databaseUrl, localProxy: database.localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof WebSocket, max: 1 });
await seedDemo(seed.db, issuer, () => newId("user"));
await seed.close();
const envFile = join(work, "bench.vars");
writeEnvFile(envFile, {
  DATABASE_URL: database.databaseUrl,
  DB_LOCAL_PROXY: database.localProxy,
  OIDC_ISSUER: issuer,
  DEV_TOOLS_ENABLED: "true",
  DEV_OIDC_PRIVATE_JWK: await devIssuerKey(work),
});
const worker = await startWorker({ port, envFile, persistTo: join(work, "wrangler"), quiet: true });

try {
  const lines = await apiBench(base);
  for (const line of lines) console.log(line);
} finally {
  await worker.stop();
  await database.close();
  rmSync(work, { recursive: true, force: true });
}
