// Starts real Postgres for the workerd tests (PGlite behind the local wire server by default, or
// the server at SPEAKNODE_TEST_DATABASE_URL — see scripts/postgres.ts), migrates it, makes the dev issuer's key, and serves a second,
// "foreign" OIDC issuer on 127.0.0.1 whose tokens the API must refuse.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { exportJWK, generateKeyPair, calculateJwkThumbprint } from "jose";
import { startDbProcess } from "./embedded-db-process.ts";
import { startLagoSimulator } from "../../simulators/lago/src/server.ts";

/** The Lago simulator's API key in the workers tests (tests build a LagoConfig with it). */
export const lagoSimApiKey = "lago-sim-test-key";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    dbLocalProxy: string;
    /** "pglite", or "external" when SPEAKNODE_TEST_DATABASE_URL named a real server. */
    databaseKind: "pglite" | "external";
    devPrivateJwk: string;
    foreignIssuer: string;
    foreignPrivateJwk: string;
    lagoSimUrl: string;
  }
}

async function rsaJwk() {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  return { privateJwk: JSON.stringify({ ...(await exportJWK(privateKey)), kid }), publicJwk: { ...pub, kid, alg: "RS256", use: "sig" } };
}

export default async function setup(project: TestProject) {
  const database = await startDbProcess();
  const dev = await rsaJwk();
  const foreign = await rsaJwk();
  const server = createServer((req, res) => {
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/other`;
    res.setHeader("content-type", "application/json");
    if (req.url === "/realms/other/.well-known/openid-configuration") {
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs` }));
    } else if (req.url === "/realms/other/protocol/openid-connect/certs") {
      res.end(JSON.stringify({ keys: [foreign.publicJwk] }));
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  project.provide("databaseUrl", database.databaseUrl);
  project.provide("dbLocalProxy", database.localProxy);
  project.provide("databaseKind", database.kind);
  project.provide("devPrivateJwk", dev.privateJwk);
  project.provide("foreignIssuer", `http://127.0.0.1:${port}/realms/other`);
  project.provide("foreignPrivateJwk", foreign.privateJwk);
  // The Lago simulator (simulators/lago): the contract tests of the real Lago client call it.
  const lago = await startLagoSimulator({ apiKey: lagoSimApiKey });
  project.provide("lagoSimUrl", lago.url);

  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await lago.close();
    await database.stop();
  };
}
