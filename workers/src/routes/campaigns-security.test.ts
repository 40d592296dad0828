// The campaign operations through the shared security suite: no credentials, wrong credentials,
// another space's campaign or item (the 404 of a made-up id). Members and API keys may run
// campaigns, so no role is refused inside the space.
import { afterAll, beforeAll, vi } from "vitest";
import { call } from "../../test/helpers.ts";
import { securitySuite, type RouteCase } from "../../test/security-suite.ts";
import { campaignWorld, createDraft, insertItems, type CampaignWorld } from "../campaigns/campaigns-testing.ts";

let world: CampaignWorld;
let own = { campaignId: "", itemId: "" };
let foreign = { campaignId: "", itemId: "" };
beforeAll(async () => {
  world = await campaignWorld();
  const ours = await createDraft(world);
  const theirs = await call("POST", `/v1/spaces/${world.otherSpaceId}/campaigns`, { token: world.outsider.token, json: { name: "Theirs", agentId: world.otherAgentId, callerNumberIds: [world.otherNumberId] } });
  if (theirs.status !== 201) throw new Error(`foreign campaign: ${theirs.status} ${theirs.text}`);
  const foreignId = String(theirs.body["id"]);
  const [itemId = ""] = await insertItems(ours.id, world.spaceId, [{}]);
  const [foreignItemId = ""] = await insertItems(foreignId, world.otherSpaceId, [{}]);
  own = { campaignId: ours.id, itemId };
  foreign = { campaignId: foreignId, itemId: foreignItemId };
}, 60_000);

afterAll(() => {
  vi.unstubAllGlobals();
});

// Well-formed; every case is refused before the ids in it are looked at.
const createBody = { name: "Another", agentId: "agt_00000000000000000000000000", callerNumberIds: ["pnm_00000000000000000000000000"] };
const ownCampaign = (suffix = "") => () => `/v1/campaigns/${own.campaignId}${suffix}`;
const foreignCampaign = (suffix = "") => () => `/v1/campaigns/${foreign.campaignId}${suffix}`;
const perCampaign = (method: string, suffix: string, json?: unknown): RouteCase => ({
  name: `/v1/campaigns/{id}${suffix}`,
  method,
  path: ownCampaign(suffix),
  foreignPath: foreignCampaign(suffix),
  ...(json !== undefined ? { json } : {}),
  need: "member",
});

const cases: RouteCase[] = [
  { name: "/v1/spaces/{id}/campaigns", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/campaigns`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/campaigns`, need: "member" },
  { name: "/v1/spaces/{id}/campaigns", method: "POST", path: (w) => `/v1/spaces/${w.spaceId}/campaigns`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/campaigns`, json: createBody, need: "member" },
  perCampaign("GET", ""),
  perCampaign("PATCH", "", { name: "Renamed" }),
  perCampaign("DELETE", ""),
  perCampaign("POST", "/launch"),
  perCampaign("POST", "/pause"),
  perCampaign("POST", "/resume"),
  perCampaign("POST", "/cancel", { mode: "finish" }),
  perCampaign("GET", "/items"),
  perCampaign("GET", "/items.csv"),
  { name: "/v1/campaigns/{id}/items/{itemId}", method: "GET", path: () => `/v1/campaigns/${own.campaignId}/items/${own.itemId}`, foreignPath: () => `/v1/campaigns/${foreign.campaignId}/items/${foreign.itemId}`, need: "member" },
  perCampaign("POST", "/contacts", [{ phone: "+14155550100", name: "Ada", order: "42" }]),
];

securitySuite(cases, () => world);
