// Every /v1 operation through the shared security suite.
import { beforeAll } from "vitest";
import { call, makeWorld, type World } from "../../test/helpers.ts";
import { securitySuite, type RouteCase } from "../../test/security-suite.ts";
import { agentBody, toolBody } from "../../test/fixtures.ts";

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
  { name: "/v1/admin/analytics/refresh", method: "POST", path: () => "/v1/admin/analytics/refresh", json: { from: "2026-01-01", to: "2026-01-02" }, need: "admin" },
  { name: "/v1/spaces/{id}/analytics", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/analytics`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/analytics`, need: "member" },
  { name: "/v1/spaces/{id}/agents", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/agents`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/agents`, need: "member" },
  { name: "/v1/spaces/{id}/agents", method: "POST", path: (w) => `/v1/spaces/${w.spaceId}/agents`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/agents`, json: agentBody(), need: "member" },
  { name: "/v1/agents/{id}", method: "GET", path: (w) => `/v1/agents/${w.agentId}`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}`, need: "member" },
  { name: "/v1/agents/{id}", method: "PATCH", path: (w) => `/v1/agents/${w.agentId}`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}`, json: { name: "x" }, need: "member" },
  { name: "/v1/agents/{id}", method: "DELETE", path: (w) => `/v1/agents/${w.agentId}`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}`, need: "member" },
  { name: "/v1/agents/{id}/duplicate", method: "POST", path: (w) => `/v1/agents/${w.agentId}/duplicate`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}/duplicate`, need: "member" },
  { name: "/v1/agents/{id}/publish", method: "POST", path: (w) => `/v1/agents/${w.agentId}/publish`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}/publish`, need: "member" },
  { name: "/v1/agents/{id}/unpublish", method: "POST", path: (w) => `/v1/agents/${w.agentId}/unpublish`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}/unpublish`, need: "member" },
  { name: "/v1/agents/{id}/embed", method: "GET", path: (w) => `/v1/agents/${w.agentId}/embed`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}/embed`, need: "member" },
  { name: "/v1/agents/{id}/versions", method: "GET", path: (w) => `/v1/agents/${w.agentId}/versions`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}/versions`, need: "member" },
  { name: "/v1/agents/{id}/versions/{v}", method: "GET", path: (w) => `/v1/agents/${w.agentId}/versions/1`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}/versions/1`, need: "member" },
  { name: "/v1/agents/{id}/versions/{v}/rollback", method: "POST", path: (w) => `/v1/agents/${w.agentId}/versions/1/rollback`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}/versions/1/rollback`, need: "member" },
  { name: "/v1/spaces/{id}/tools", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/tools`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/tools`, need: "member" },
  { name: "/v1/spaces/{id}/tools", method: "POST", path: (w) => `/v1/spaces/${w.spaceId}/tools`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/tools`, json: toolBody(), need: "member" },
  { name: "/v1/spaces/{id}/tools/import", method: "POST", path: (w) => `/v1/spaces/${w.spaceId}/tools/import`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/tools/import`, json: { source: { type: "document", document: { openapi: "3.1.0", info: { title: "t", version: "1" }, paths: {} } } }, need: "member" },
  { name: "/v1/tools/{id}", method: "GET", path: (w) => `/v1/tools/${w.toolId}`, foreignPath: (w) => `/v1/tools/${w.otherToolId}`, need: "member" },
  { name: "/v1/tools/{id}", method: "PATCH", path: (w) => `/v1/tools/${w.toolId}`, foreignPath: (w) => `/v1/tools/${w.otherToolId}`, json: { description: "x" }, need: "member" },
  { name: "/v1/tools/{id}", method: "DELETE", path: (w) => `/v1/tools/${w.toolId}`, foreignPath: (w) => `/v1/tools/${w.otherToolId}`, need: "member" },
  { name: "/v1/agents/{id}/sessions", method: "POST", path: (w) => `/v1/agents/${w.agentId}/sessions`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}/sessions`, json: { variables: { order_id: 1 } }, need: "member" },
  { name: "/v1/spaces/{id}/sessions", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/sessions`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/sessions`, need: "member" },
  { name: "/v1/agents/{id}/agent-tokens", method: "POST", path: (w) => `/v1/agents/${w.agentId}/agent-tokens`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}/agent-tokens`, json: {}, need: "member" },
  { name: "/v1/agents/{id}/agent-tokens", method: "GET", path: (w) => `/v1/agents/${w.agentId}/agent-tokens`, foreignPath: (w) => `/v1/agents/${w.otherAgentId}/agent-tokens`, need: "member" },
  {
    name: "/v1/agent-tokens/{id}",
    method: "DELETE",
    path: async (w) => `/v1/agent-tokens/${await agentTokenOf(w.agentId, w.owner.token)}`,
    foreignPath: async (w) => `/v1/agent-tokens/${await agentTokenOf(w.otherAgentId, w.outsider.token)}`,
    need: "member",
  },
  { name: "/v1/sessions/{id}", method: "GET", path: () => "/v1/sessions/ses_01jqz8k3m4n5p6q7r8s9t0v1w2", need: "member" },
  { name: "/v1/sessions/{id}/events-token", method: "POST", path: () => "/v1/sessions/ses_01jqz8k3m4n5p6q7r8s9t0v1w2/events-token", need: "member" },
  { name: "/v1/catalog", method: "GET", path: () => "/v1/catalog", need: "member" },
  { name: "/v1/catalog", method: "POST", path: () => "/v1/catalog", json: { kind: "llm", provider: "openrouter", model: "x/y", displayName: "X" }, need: "admin" },
  { name: "/v1/catalog/{id}", method: "PATCH", path: () => "/v1/catalog/mdl_00000000000000000000000001", json: { enabled: true }, need: "admin" },
  { name: "/v1/sessions/{id}/trace", method: "GET", path: () => "/v1/sessions/ses_01jqz8k3m4n5p6q7r8s9t0v1w2/trace", need: "member" },
  { name: "/v1/admin/telemetry/dead-letters", method: "GET", path: () => "/v1/admin/telemetry/dead-letters", need: "admin" },
  // POST /v1/traces takes the voice runtime's service token, not a user's or an API key's: its
  // refusals (no token, users, API keys, media tokens, expired tokens) are in traces-ingest.test.ts.
];

/** A fresh agent token's id (each security check revokes its own). */
async function agentTokenOf(agentId: string, token: string): Promise<string> {
  const res = await call("POST", `/v1/agents/${agentId}/agent-tokens`, { token, json: {} });
  if (res.status !== 201) throw new Error(`issuing an agent token failed: ${res.status} ${res.text}`);
  return String(res.body["id"]);
}

securitySuite(cases, () => world);
