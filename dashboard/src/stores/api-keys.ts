// API keys of the open space (Owners only). A created key's secret is held in `revealed` until
// the Owner dismisses it: it is shown this once and never stored anywhere else.
import { batch, signal } from "@preact/signals";
import { ApiKey, CreateApiKeyBody, CreatedApiKey, listOf } from "../../../packages/contracts/src/spaces.ts";
import type { z } from "zod";
import type { Api } from "../api/client.ts";

type Created = z.infer<typeof CreatedApiKey>;

export type ApiKeysEvent =
  | { type: "loading"; spaceId: string }
  | { type: "loaded"; spaceId: string; keys: ApiKey[] }
  | { type: "created"; key: Created }
  | { type: "revoked"; apiKeyId: string }
  | { type: "dismissed" };

export function createApiKeysStore(api: Api) {
  const store = {
    spaceId: signal<string | null>(null),
    keys: signal<ApiKey[]>([]),
    loading: signal(false),
    /** The just-created key with its secret, until dismissed. */
    revealed: signal<Created | null>(null),
  };
  async function load(spaceId: string): Promise<void> {
    applyApiKeysEvent(store, { type: "loading", spaceId });
    const { data } = await api.json(listOf(ApiKey), "GET", `/v1/spaces/${encodeURIComponent(spaceId)}/api-keys`);
    applyApiKeysEvent(store, { type: "loaded", spaceId, keys: data });
  }
  async function create(name: string): Promise<Created> {
    const spaceId = store.spaceId.value;
    if (!spaceId) throw new Error("no space is open");
    const key = await api.json(CreatedApiKey, "POST", `/v1/spaces/${encodeURIComponent(spaceId)}/api-keys`, { body: CreateApiKeyBody.parse({ name }) });
    applyApiKeysEvent(store, { type: "created", key });
    return key;
  }
  async function revoke(apiKeyId: string): Promise<void> {
    await api.empty("DELETE", `/v1/api-keys/${encodeURIComponent(apiKeyId)}`);
    applyApiKeysEvent(store, { type: "revoked", apiKeyId });
  }
  return { ...store, load, create, revoke, dismiss: () => applyApiKeysEvent(store, { type: "dismissed" }) };
}

export type ApiKeysStore = ReturnType<typeof createApiKeysStore>;
type ApiKeysState = Pick<ApiKeysStore, "spaceId" | "keys" | "loading" | "revealed">;

export function applyApiKeysEvent(store: ApiKeysState, event: ApiKeysEvent): void {
  batch(() => {
    switch (event.type) {
      case "loading":
        if (store.spaceId.value !== event.spaceId) {
          store.keys.value = [];
          store.revealed.value = null; // never show one space's secret under another
        }
        store.spaceId.value = event.spaceId;
        store.loading.value = true;
        break;
      case "loaded":
        if (store.spaceId.value !== event.spaceId) return;
        store.keys.value = event.keys;
        store.loading.value = false;
        break;
      case "created": {
        // The list never holds the secret: only the `revealed` slot does.
        const { key: _secret, ...listed } = event.key;
        store.keys.value = [listed, ...store.keys.value.filter((k) => k.id !== listed.id)];
        store.revealed.value = event.key;
        break;
      }
      case "revoked":
        store.keys.value = store.keys.value.filter((k) => k.id !== event.apiKeyId);
        if (store.revealed.value?.id === event.apiKeyId) store.revealed.value = null;
        break;
      case "dismissed":
        store.revealed.value = null;
        break;
    }
  });
}
