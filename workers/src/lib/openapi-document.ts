// GET /openapi.json: the document the routes register, finished with what is decided for every
// operation at once rather than in ~150 route files — its operationId and, for public operations,
// its explicit `security` (lib/operation-ids.ts), the 500 every operation can answer, the 413 of
// the body limits the middleware applies — plus `servers`. A linter (Redocly's recommended rules,
// packages/api-client/src/openapi-lint.test.ts) and the typed client (packages/api-client) read it.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { maxImportRequestBytes } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { publicOrigin } from "./public-url.ts";
import { operationIds, publicOperations } from "./operation-ids.ts";

type Json = Record<string, unknown>;
export interface ApiDocument extends Json {
  paths: Record<string, Record<string, Json>>;
  webhooks?: Record<string, Record<string, Json>>;
  components?: Json & { responses?: Record<string, Json> };
}

export const httpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export const apiInfo = {
  title: "Speaknode API",
  version: "1.0.0",
  description: "Voice AI agents on the edge.",
  // No `license`: the repository has not chosen one yet (no LICENSE file), and the document must
  // not claim terms nobody granted (scripts/openapi-lint.test.ts accepts the missing field).
};

/** The body limit the middleware applies to an operation that does not document its own 413
 *  (app.ts: 256 KiB on /v1 and /public, the contract's import limit on the import route;
 *  routes/billing-lago-webhooks.ts; runtime/openapi.ts
 *  limitJsonBody; routes/runtime-capabilities.ts). routes/openapi-limits.test.ts sends one byte
 *  more than each to prove it. */
export function bodyLimitBytes(method: string, path: string): number | undefined {
  if (method === "put" && path === "/runtime/v1/capabilities") return 2 * 1024 * 1024;
  if (method === "post" && path === "/v1/spaces/{spaceId}/tools/import") return maxImportRequestBytes;
  if (path.startsWith("/billing/lago/")) return 1024 * 1024;
  if (path.startsWith("/v1/") || path.startsWith("/public/") || path.startsWith("/runtime/v1/")) return 256 * 1024;
  return undefined;
}

const kib = (bytes: number) => (bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`);

const problemContent = { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } };
const sharedResponses: Record<string, Json> = {
  InternalError: { description: "Something failed on the server; the problem's `requestId` (and the x-request-id header) helps find it", content: problemContent },
};

/** Finishes a generated document in place (once per isolate: the registry does not change). */
export function finishDocument(doc: ApiDocument): ApiDocument {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of httpMethods) {
      const op = item[method];
      if (!op) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const id = operationIds[key];
      // No fallback id: a missing one must fail the document's tests, not hide behind a made-up name.
      if (id) op["operationId"] = id;
      const access = publicOperations[key];
      if (access && op["security"] === undefined) op["security"] = access.security ?? [];
      const responses = (op["responses"] ??= {}) as Record<string, Json>;
      const limit = bodyLimitBytes(method, path);
      if (op["requestBody"] && limit !== undefined && !responses["413"]) {
        responses["413"] = { description: `The body is larger than ${kib(limit)} (payload_too_large)`, content: problemContent };
      }
      responses["500"] ??= { $ref: "#/components/responses/InternalError" };
    }
  }
  const components = (doc.components ??= {});
  components.responses = { ...components.responses, ...sharedResponses };
  return doc;
}

/** Serves the finished document at /openapi.json, with this deployment's URL as its server. */
export function serveDocument(app: OpenAPIHono<AppEnv>): void {
  let finished: ApiDocument | undefined;
  app.get("/openapi.json", (c) => {
    finished ??= finishDocument(app.getOpenAPI31Document({ openapi: "3.1.0", info: apiInfo }) as unknown as ApiDocument);
    const servers = [{ url: publicOrigin(c), description: "This deployment (PUBLIC_URL, else the address the document was fetched from)" }];
    return c.json({ openapi: finished["openapi"], info: finished["info"], servers, ...finished });
  });
}
