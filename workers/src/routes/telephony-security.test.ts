// The telephony connection and phone number operations through the shared security suite: no
// credentials, wrong credentials, another space's connection or number (the 404 of a made-up id),
// and the wrong role (Members and API keys read; only an Owner connects, imports, changes, releases).
// Twilio is the in-memory fake throughout, so nothing here can reach the network.
import { afterAll, beforeAll, vi } from "vitest";
import { makeWorld, type World } from "../../test/helpers.ts";
import { securitySuite, type RouteCase } from "../../test/security-suite.ts";
import { connectAccount, importNumbers, stubTwilio } from "../telephony/connections-testing.ts";

let world: World;
let own = { connectionId: "", numberId: "" };
let foreign = { connectionId: "", numberId: "" };
beforeAll(async () => {
  world = await makeWorld();
  const twilio = stubTwilio();
  const ours = await connectAccount(world, twilio);
  const theirs = await connectAccount({ ...world, spaceId: world.otherSpaceId, owner: world.outsider }, twilio);
  const [numberId = ""] = await importNumbers(world, ours.connectionId, [twilio.addNumber(ours.accountSid).sid]);
  const [foreignNumberId = ""] = await importNumbers({ ...world, spaceId: world.otherSpaceId, owner: world.outsider }, theirs.connectionId, [twilio.addNumber(theirs.accountSid).sid]);
  own = { connectionId: ours.connectionId, numberId };
  foreign = { connectionId: theirs.connectionId, numberId: foreignNumberId };
});

afterAll(() => {
  vi.unstubAllGlobals();
});

// Well-formed; never reaches Twilio (every case is refused before the credentials are checked).
const connectBody = { provider: "twilio", name: "Another", accountSid: "AC0123456789abcdef0123456789abcdef", auth: { type: "auth_token", authToken: "token-0123456789" } };
const cases: RouteCase[] = [
  { name: "/v1/spaces/{id}/telephony-connections", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/telephony-connections`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/telephony-connections`, need: "member" },
  { name: "/v1/spaces/{id}/telephony-connections", method: "POST", path: (w) => `/v1/spaces/${w.spaceId}/telephony-connections`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/telephony-connections`, json: connectBody, need: "owner" },
  { name: "/v1/telephony-connections/{id}", method: "GET", path: () => `/v1/telephony-connections/${own.connectionId}`, foreignPath: () => `/v1/telephony-connections/${foreign.connectionId}`, need: "member" },
  { name: "/v1/telephony-connections/{id}", method: "PATCH", path: () => `/v1/telephony-connections/${own.connectionId}`, foreignPath: () => `/v1/telephony-connections/${foreign.connectionId}`, json: { name: "renamed" }, need: "owner" },
  { name: "/v1/telephony-connections/{id}", method: "DELETE", path: () => `/v1/telephony-connections/${own.connectionId}`, foreignPath: () => `/v1/telephony-connections/${foreign.connectionId}`, need: "owner" },
  { name: "/v1/telephony-connections/{id}/available-numbers", method: "GET", path: () => `/v1/telephony-connections/${own.connectionId}/available-numbers`, foreignPath: () => `/v1/telephony-connections/${foreign.connectionId}/available-numbers`, need: "owner" },
  {
    name: "/v1/spaces/{id}/phone-numbers/import",
    method: "POST",
    path: (w) => `/v1/spaces/${w.spaceId}/phone-numbers/import`,
    foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/phone-numbers/import`,
    json: { connectionId: "tcn_00000000000000000000000000", providerNumberIds: ["PN00000000000000000000000000000000"] },
    need: "owner",
  },
  { name: "/v1/spaces/{id}/phone-numbers", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/phone-numbers`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/phone-numbers`, need: "member" },
  { name: "/v1/phone-numbers/{id}", method: "GET", path: () => `/v1/phone-numbers/${own.numberId}`, foreignPath: () => `/v1/phone-numbers/${foreign.numberId}`, need: "member" },
  { name: "/v1/phone-numbers/{id}", method: "PATCH", path: () => `/v1/phone-numbers/${own.numberId}`, foreignPath: () => `/v1/phone-numbers/${foreign.numberId}`, json: { inboundEnabled: false }, need: "owner" },
  { name: "/v1/phone-numbers/{id}", method: "DELETE", path: () => `/v1/phone-numbers/${own.numberId}`, foreignPath: () => `/v1/phone-numbers/${foreign.numberId}`, need: "owner" },
];

securitySuite(cases, () => world);
