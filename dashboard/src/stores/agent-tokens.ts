// The agent tokens of one agent (the widget's `agent-token`), for the editor's embed area: the
// list (never the tokens themselves), issuing one (its token is held in `revealed` until
// dismissed: shown this once), and revoking. One store per open editor, created by the page.
import { batch, signal } from "@preact/signals";
import { AgentToken, CreateAgentTokenBody, IssuedAgentToken } from "../../../packages/contracts/src/agent-tokens.ts";
import { listOf } from "../../../packages/contracts/src/spaces.ts";
import type { Api } from "../api/client.ts";
import { zodFieldErrors, type FieldErrors } from "../ui/forms.ts";

export type AgentTokensEvent =
  | { type: "loading" }
  | { type: "loaded"; tokens: AgentToken[] }
  | { type: "issued"; token: IssuedAgentToken }
  | { type: "revoked"; tokenId: string; at: string }
  | { type: "dismissed" };

/** What the issue form holds: a name, a lifetime in hours, origins one per line (or comma-separated). */
export interface IssueInput {
  name: string;
  ttlHours: number;
  origins: string;
}

/** The body for the form, or the fields it fails on (keys `name`, `ttlS`, `allowedOrigins`). */
export function issueRequest(input: IssueInput): { body: CreateAgentTokenBody } | { errors: FieldErrors } {
  const origins = input.origins
    .split(/[\s,]+/)
    .map((o) => o.trim().replace(/\/+$/, ""))
    .filter((o) => o !== "");
  const body = { ...(input.name.trim() ? { name: input.name.trim() } : {}), ttlS: Math.round(input.ttlHours * 3600), allowedOrigins: origins };
  const parsed = CreateAgentTokenBody.safeParse(body);
  if (!parsed.success) {
    // Each origin's error on the one field that lists them.
    const errors: FieldErrors = {};
    for (const [key, message] of Object.entries(zodFieldErrors(parsed.error))) errors[key.startsWith("allowedOrigins") ? "allowedOrigins" : key] ??= message;
    return { errors };
  }
  return { body };
}

export function createAgentTokensStore(api: Api, agentId: string) {
  const state = {
    tokens: signal<AgentToken[]>([]),
    loading: signal(false),
    /** The token just issued, with its secret, until dismissed. */
    revealed: signal<IssuedAgentToken | null>(null),
  };
  const base = `/v1/agents/${encodeURIComponent(agentId)}/agent-tokens`;

  async function load(): Promise<void> {
    applyAgentTokensEvent(state, { type: "loading" });
    const { data } = await api.json(listOf(AgentToken), "GET", base);
    applyAgentTokensEvent(state, { type: "loaded", tokens: data });
  }

  async function issue(body: CreateAgentTokenBody): Promise<IssuedAgentToken> {
    const token = await api.json(IssuedAgentToken, "POST", base, { body });
    applyAgentTokensEvent(state, { type: "issued", token });
    return token;
  }

  async function revoke(tokenId: string): Promise<void> {
    await api.empty("DELETE", `/v1/agent-tokens/${encodeURIComponent(tokenId)}`);
    applyAgentTokensEvent(state, { type: "revoked", tokenId, at: new Date().toISOString() });
  }

  return { ...state, load, issue, revoke, dismiss: () => applyAgentTokensEvent(state, { type: "dismissed" }) };
}

export type AgentTokensStore = ReturnType<typeof createAgentTokensStore>;
type AgentTokensState = Pick<AgentTokensStore, "tokens" | "loading" | "revealed">;

export function applyAgentTokensEvent(store: AgentTokensState, event: AgentTokensEvent): void {
  batch(() => {
    switch (event.type) {
      case "loading":
        store.loading.value = true;
        break;
      case "loaded":
        store.tokens.value = event.tokens;
        store.loading.value = false;
        break;
      case "issued": {
        const { token: _secret, ...listed } = event.token;
        // Newest first, as the API lists them; the secret stays in `revealed` only.
        store.tokens.value = [listed, ...store.tokens.value.filter((t) => t.id !== listed.id)];
        store.revealed.value = event.token;
        break;
      }
      case "revoked":
        store.tokens.value = store.tokens.value.map((t) => (t.id === event.tokenId && t.status !== "revoked" ? { ...t, status: "revoked", revokedAt: event.at } : t));
        if (store.revealed.value?.id === event.tokenId) store.revealed.value = null;
        break;
      case "dismissed":
        store.revealed.value = null;
        break;
    }
  });
}
