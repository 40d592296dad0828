// Every /v1 operation through the shared security suite.
import { beforeAll } from "vitest";
import { makeWorld, type World } from "../../test/helpers.ts";
import { securitySuite, type RouteCase } from "../../test/security-suite.ts";

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});

const cases: RouteCase[] = [
  { name: "/v1/me", method: "GET", path: () => "/v1/me", need: "member" },
  { name: "/v1/spaces", method: "GET", path: () => "/v1/spaces", need: "member" },
  { name: "/v1/spaces", method: "POST", path: () => "/v1/spaces", json: { name: "x" }, need: "user" },
  { name: "/v1/spaces/{id}", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}`, need: "member" },
  { name: "/v1/spaces/{id}", method: "PATCH", path: (w) => `/v1/spaces/${w.spaceId}`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}`, json: { name: "y" }, need: "owner" },
  { name: "/v1/spaces/{id}", method: "DELETE", path: (w) => `/v1/spaces/${w.spaceId}`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}`, need: "owner" },
  { name: "/v1/spaces/{id}/members", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/members`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/members`, need: "member" },
  {
    name: "/v1/spaces/{id}/members/{userId}",
    method: "PATCH",
    path: (w) => `/v1/spaces/${w.spaceId}/members/${w.owner.id}`,
    foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/members/${w.outsider.id}`,
    json: { role: "member" },
    need: "owner",
  },
  {
    name: "/v1/spaces/{id}/members/{userId}",
    method: "DELETE",
    path: (w) => `/v1/spaces/${w.spaceId}/members/${w.owner.id}`,
    foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/members/${w.outsider.id}`,
    need: "owner",
  },
  {
    name: "/v1/spaces/{id}/invitations",
    method: "POST",
    path: (w) => `/v1/spaces/${w.spaceId}/invitations`,
    foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/invitations`,
    json: { email: "someone@example.test" },
    need: "owner",
  },
  { name: "/v1/spaces/{id}/invitations", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/invitations`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/invitations`, need: "owner" },
  { name: "/v1/invitations/{id}", method: "DELETE", path: (w) => `/v1/invitations/${w.invitationId}`, foreignPath: (w) => `/v1/invitations/${w.otherInvitationId}`, need: "owner" },
  { name: "/v1/invitations/{id}/resend", method: "POST", path: (w) => `/v1/invitations/${w.invitationId}/resend`, foreignPath: (w) => `/v1/invitations/${w.otherInvitationId}/resend`, need: "owner" },
  { name: "/v1/invitations/accept", method: "POST", path: () => "/v1/invitations/accept", json: { token: "whatever" }, need: "user" },
  { name: "/v1/spaces/{id}/api-keys", method: "POST", path: (w) => `/v1/spaces/${w.spaceId}/api-keys`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/api-keys`, json: { name: "k" }, need: "owner" },
  { name: "/v1/spaces/{id}/api-keys", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/api-keys`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/api-keys`, need: "owner" },
  { name: "/v1/api-keys/{id}", method: "DELETE", path: (w) => `/v1/api-keys/${w.apiKeyId}`, foreignPath: (w) => `/v1/api-keys/${w.otherApiKeyId}`, need: "owner" },
  { name: "/v1/admin/users", method: "GET", path: () => "/v1/admin/users", need: "admin" },
];

securitySuite(cases, () => world);
