// The caller's spaces and which one is open. The open space follows the URL (the router sets
// `currentId`); the last one used is remembered so /app/ lands there again. Renames and deletes
// land here too, so the switcher follows them.
import { batch, computed, signal } from "@preact/signals";
import { listOf, Space, UpdateSpaceBody, type SpaceRole } from "../../../packages/contracts/src/spaces.ts";
import type { Api } from "../api/client.ts";
import type { KeyValueStorage } from "../auth/auth-store.ts";

export type SpacesEvent =
  | { type: "loaded"; spaces: Space[] }
  | { type: "created"; space: Space }
  | { type: "updated"; space: Space }
  | { type: "removed"; spaceId: string }
  | { type: "roleChanged"; spaceId: string; role: SpaceRole }
  | { type: "opened"; spaceId: string | null };

const lastSpaceKey = "speaknode.last-space";

export function createSpacesStore(api: Api, storage: KeyValueStorage) {
  const spaces = signal<Space[]>([]);
  const loaded = signal(false);
  const currentId = signal<string | null>(null);
  const current = computed(() => spaces.value.find((s) => s.id === currentId.value) ?? null);
  const role = computed<SpaceRole | null>(() => current.value?.role ?? null);
  const store = { spaces, loaded, currentId, current, role };

  async function load(): Promise<Space[]> {
    const { data } = await api.json(listOf(Space), "GET", "/v1/spaces");
    applySpacesEvent(store, { type: "loaded", spaces: data });
    return data;
  }
  async function create(name: string): Promise<Space> {
    const space = await api.json(Space, "POST", "/v1/spaces", { body: { name } });
    applySpacesEvent(store, { type: "created", space });
    return space;
  }
  /** Validated with the API's own schema first (a ZodError never reaches the network). */
  async function rename(spaceId: string, name: string): Promise<Space> {
    const body = UpdateSpaceBody.parse({ name });
    const space = await api.json(Space, "PATCH", `/v1/spaces/${encodeURIComponent(spaceId)}`, { body });
    applySpacesEvent(store, { type: "updated", space });
    return space;
  }
  async function remove(spaceId: string): Promise<void> {
    await api.empty("DELETE", `/v1/spaces/${encodeURIComponent(spaceId)}`);
    applySpacesEvent(store, { type: "removed", spaceId });
  }
  function open(spaceId: string | null): void {
    applySpacesEvent(store, { type: "opened", spaceId });
    if (spaceId) storage.setItem(lastSpaceKey, spaceId);
  }
  /** Where /app/ goes: the last space used if still ours, else the first. */
  function landing(): string | null {
    const last = storage.getItem(lastSpaceKey);
    return spaces.value.find((s) => s.id === last)?.id ?? spaces.value[0]?.id ?? null;
  }
  return { ...store, load, create, rename, remove, open, landing };
}

export type SpacesStore = ReturnType<typeof createSpacesStore>;
type SpacesState = Pick<SpacesStore, "spaces" | "loaded" | "currentId">;

const byName = (a: Space, b: Space) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

export function applySpacesEvent(store: SpacesState, event: SpacesEvent): void {
  batch(() => {
    switch (event.type) {
      case "loaded":
        store.spaces.value = [...event.spaces].sort(byName);
        store.loaded.value = true;
        break;
      case "created":
      case "updated":
        store.spaces.value = [...store.spaces.value.filter((s) => s.id !== event.space.id), event.space].sort(byName);
        break;
      case "removed":
        store.spaces.value = store.spaces.value.filter((s) => s.id !== event.spaceId);
        if (store.currentId.value === event.spaceId) store.currentId.value = null;
        break;
      case "roleChanged":
        store.spaces.value = store.spaces.value.map((s) => (s.id === event.spaceId ? { ...s, role: event.role } : s));
        break;
      case "opened":
        store.currentId.value = event.spaceId;
        break;
    }
  });
}
