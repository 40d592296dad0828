// The API's OpenAPI document as the Worker serves it, built in Node from the Worker's own app
// (no server, no database: GET /openapi.json reads only the route registry and the config).
// Used by `npm run api:types` (scripts/api-types.ts) and the document's lint and drift tests.
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from "openapi-typescript";
import { createApp } from "../workers/src/app.ts";

/** Just enough configuration for readConfig; nothing here is used to reach anything. */
const documentOnlyEnv = {
  DATABASE_URL: "postgres://document-only@127.0.0.1:1/unused",
  OIDC_ISSUER: "http://127.0.0.1:8787/dev/oidc",
  SECRETS_KEY: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  RUNTIME_TOKEN_SECRET: "document-only-placeholder-not-a-secret",
};

/** The served document's origin: the dev server's, as in the committed client types' comments. */
export const documentOrigin = "http://127.0.0.1:8787";

export async function servedDocument(): Promise<Record<string, unknown>> {
  const res = await createApp().request(`${documentOrigin}/openapi.json`, {}, documentOnlyEnv);
  if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** packages/api-client/src/schema.d.ts for a document: openapi-typescript's output, as generated. */
export async function schemaTypes(document: Record<string, unknown>): Promise<string> {
  // A `default` does not make a property required: request bodies may leave it out (the server
  // fills it in), which openapi-typescript's default (defaultNonNullable) would forbid.
  return COMMENT_HEADER + astToString(await openapiTS(document as unknown as OpenAPI3, { defaultNonNullable: false }));
}

export const schemaTypesPath = new URL("../packages/api-client/src/schema.d.ts", import.meta.url);
