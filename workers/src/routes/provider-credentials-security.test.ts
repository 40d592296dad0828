// The provider-credential operations through the shared security suite: no credentials, wrong
// credentials, another space's key, and the wrong role (only an Owner may add, change or delete).
import { beforeAll } from "vitest";
import { call, makeWorld, type World } from "../../test/helpers.ts";
import { securitySuite, type RouteCase } from "../../test/security-suite.ts";

let world: World;
let ownId = "";
let foreignId = "";
beforeAll(async () => {
  world = await makeWorld();
  const own = await call("POST", `/v1/spaces/${world.spaceId}/provider-credentials`, { token: world.owner.token, json: { provider: "deepgram", name: "Ours", apiKey: "dg-key-0123456789" } });
  const foreign = await call("POST", `/v1/spaces/${world.otherSpaceId}/provider-credentials`, { token: world.outsider.token, json: { provider: "deepgram", name: "Theirs", apiKey: "dg-key-0123456789" } });
  if (own.status !== 201 || foreign.status !== 201) throw new Error(`setup failed: ${own.text} ${foreign.text}`);
  ownId = String(own.body["id"]);
  foreignId = String(foreign.body["id"]);
});

const body = { provider: "cartesia", name: "k", apiKey: "ct-key-0123456789" };
const cases: RouteCase[] = [
  { name: "/v1/spaces/{id}/provider-credentials", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/provider-credentials`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/provider-credentials`, need: "member" },
  { name: "/v1/spaces/{id}/provider-credentials", method: "POST", path: (w) => `/v1/spaces/${w.spaceId}/provider-credentials`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/provider-credentials`, json: body, need: "owner" },
  { name: "/v1/provider-credentials/{id}", method: "PATCH", path: () => `/v1/provider-credentials/${ownId}`, foreignPath: () => `/v1/provider-credentials/${foreignId}`, json: { name: "renamed" }, need: "owner" },
  { name: "/v1/provider-credentials/{id}", method: "DELETE", path: () => `/v1/provider-credentials/${ownId}`, foreignPath: () => `/v1/provider-credentials/${foreignId}`, need: "owner" },
];

securitySuite(cases, () => world);
