// A typed client of the Speaknode API: openapi-fetch over the types openapi-typescript generates
// from the served document (schema.d.ts, `npm run api:types`). Paths, parameters, bodies and
// answers (problem+json errors included) are checked by the compiler against the document.
import createClient, { type Client } from "openapi-fetch";
import type { components, operations, paths } from "./schema.d.ts";

export type { components, operations, paths };
export type ApiClient = Client<paths>;
export type Problem = components["schemas"]["Problem"];

export interface ApiClientOptions {
  /** The API's origin, e.g. http://127.0.0.1:8787 (the document's `servers[0].url`). */
  baseUrl: string;
  /** An OIDC access token or a space API key (sk_…), sent as `Authorization: Bearer`. */
  token?: string;
  /** Another fetch (tests pass the Worker's own handler). */
  fetch?: (request: Request) => Promise<Response>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.token ? { headers: { authorization: `Bearer ${options.token}` } } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
