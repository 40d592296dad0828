// Agents of the open space for the list page: server-side name search, create (a minimal agent
// that works: name, models from the catalog, a locale per language with a first message, end_call
// and — with several languages — switch_language), delete. Responses are checked with the
// contracts' Agent schema.
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
  /** One locale each, the first being the default language. */
  languages: { language: string; firstMessage: string }[];
  llm: CatalogModel;
  stt: CatalogModel;
  tts: CatalogModel;
  voice: string;
}

const greetings: Record<string, string> = {
  en: "Hello! How can I help you today?",
  de: "Hallo! Wie kann ich Ihnen heute helfen?",
  fr: "Bonjour ! Comment puis-je vous aider aujourd'hui ?",
  es: "¡Hola! ¿En qué puedo ayudarle hoy?",
  it: "Ciao! Come posso aiutarla oggi?",
  pt: "Olá! Como posso ajudar hoje?",
  nl: "Hallo! Hoe kan ik u vandaag helpen?",
  ru: "Здравствуйте! Чем могу помочь?",
};

/** A first message in the language when one is known, else the English one (to be translated in the editor). */
export function defaultGreeting(language: string): string {
  return greetings[language.trim().toLowerCase().split("-")[0] ?? ""] ?? greetings["en"] ?? "";
}

/** "en, de-AT" → ["en", "de-AT"]: languages typed in one field, in order, without repeats. */
export function parseLanguages(text: string): string[] {
  const seen = new Set<string>();
  return text
    .split(/[\s,;]+/)
    .map((t) => t.trim())
    .filter((t) => t && !seen.has(t.toLowerCase()) && seen.add(t.toLowerCase()));
}

/** The body for POST /agents, validated by the API's own schema (throws ZodError on bad input). */
export function newAgentBody(input: NewAgentInput): z.input<typeof CreateAgentBody> {
  const tts = { provider: input.tts.provider, model: input.tts.model, voice: input.voice };
  // An agent that can end the call, and move between its languages when it has several.
  const tools = [{ type: "system" as const, name: "end_call" as const }, ...(input.languages.length > 1 ? [{ type: "system" as const, name: "switch_language" as const }] : [])];
  const body = {
    name: input.name,
    llm: { provider: input.llm.provider, model: input.llm.model },
    stt: { provider: input.stt.provider, model: input.stt.model },
    defaultLanguage: input.languages[0]?.language ?? "",
    locales: input.languages.map((l) => ({ language: l.language, firstMessage: l.firstMessage, tts: { ...tts } })),
    tools,
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
