// Agents of the open space for the list page: server-side name search, create (a minimal agent:
// name, models from the catalog, one locale), delete. Responses are checked with the contracts'
// Agent schema; the full editor (issue #7, later) builds on the same store.
import { batch, signal } from "@preact/signals";
import { Agent, AgentSaved, CreateAgentBody } from "../../../packages/contracts/src/agents.ts";
import { CatalogModel } from "../../../packages/contracts/src/catalog.ts";
import { listOf } from "../../../packages/contracts/src/spaces.ts";
import { z } from "zod";
import type { Api } from "../api/client.ts";

export type AgentsEvent =
  | { type: "loading"; spaceId: string; search: string }
  | { type: "loaded"; spaceId: string; search: string; agents: Agent[] }
  | { type: "created"; agent: Agent }
  | { type: "deleted"; agentId: string };

const Catalog = z.object({ data: z.array(CatalogModel) });

/** The create form's fields; everything else takes the API's defaults. */
export interface NewAgentInput {
  name: string;
  language: string;
  llm: CatalogModel;
  stt: CatalogModel;
  tts: CatalogModel;
  voice: string;
}

/** The body for POST /agents, validated by the API's own schema (throws ZodError on bad input). */
export function newAgentBody(input: NewAgentInput): z.input<typeof CreateAgentBody> {
  const body = {
    name: input.name,
    llm: { provider: input.llm.provider, model: input.llm.model },
    stt: { provider: input.stt.provider, model: input.stt.model },
    defaultLanguage: input.language,
    locales: [{ language: input.language, tts: { provider: input.tts.provider, model: input.tts.model, voice: input.voice } }],
  };
  CreateAgentBody.parse(body);
  return body;
}

export function createAgentsStore(api: Api) {
  const store = {
    spaceId: signal<string | null>(null),
    search: signal(""),
    agents: signal<Agent[]>([]),
    loading: signal(false),
    catalog: signal<CatalogModel[] | null>(null),
  };
  async function load(spaceId: string, search = ""): Promise<void> {
    applyAgentsEvent(store, { type: "loading", spaceId, search });
    const { data } = await api.json(listOf(Agent), "GET", `/v1/spaces/${encodeURIComponent(spaceId)}/agents`, { query: { search: search.trim() || undefined } });
    applyAgentsEvent(store, { type: "loaded", spaceId, search, agents: data });
  }
  async function loadCatalog(): Promise<CatalogModel[]> {
    const { data } = await api.json(Catalog, "GET", "/v1/catalog");
    store.catalog.value = data;
    return data;
  }
  async function create(input: NewAgentInput): Promise<z.infer<typeof AgentSaved>> {
    const spaceId = store.spaceId.value;
    if (!spaceId) throw new Error("no space is open");
    const saved = await api.json(AgentSaved, "POST", `/v1/spaces/${encodeURIComponent(spaceId)}/agents`, { body: newAgentBody(input) });
    applyAgentsEvent(store, { type: "created", agent: saved });
    return saved;
  }
  async function remove(agentId: string): Promise<void> {
    await api.empty("DELETE", `/v1/agents/${encodeURIComponent(agentId)}`);
    applyAgentsEvent(store, { type: "deleted", agentId });
  }
  return { ...store, load, loadCatalog, create, remove };
}

export type AgentsStore = ReturnType<typeof createAgentsStore>;
type AgentsState = Pick<AgentsStore, "spaceId" | "search" | "agents" | "loading">;

/** Client-side match for the search box, so a created agent appears only when it would be found. */
export const matchesSearch = (name: string, search: string) => name.toLowerCase().includes(search.trim().toLowerCase());

export function applyAgentsEvent(store: AgentsState, event: AgentsEvent): void {
  batch(() => {
    switch (event.type) {
      case "loading":
        if (store.spaceId.value !== event.spaceId) store.agents.value = [];
        store.spaceId.value = event.spaceId;
        store.search.value = event.search;
        store.loading.value = true;
        break;
      case "loaded":
        // Answers to an older search or another space arrive late when typing fast: drop them.
        if (store.spaceId.value !== event.spaceId || store.search.value !== event.search) return;
        store.agents.value = event.agents;
        store.loading.value = false;
        break;
      case "created":
        if (event.agent.spaceId !== store.spaceId.value || !matchesSearch(event.agent.name, store.search.value)) return;
        store.agents.value = [event.agent, ...store.agents.value.filter((a) => a.id !== event.agent.id)];
        break;
      case "deleted":
        store.agents.value = store.agents.value.filter((a) => a.id !== event.agentId);
        break;
    }
  });
}
