// Who is signed in (GET /v1/me): the user with their spaces and roles. An API key cannot use the
// dashboard, so a non-user answer is an error here. `isPlatformAdmin` shows the Admin pages
// (a courtesy: the API checks the role on every admin call).
import { batch, computed, signal } from "@preact/signals";
import { Me } from "../../../packages/contracts/src/users.ts";
import type { Api } from "../api/client.ts";
import { errorMessage } from "../api/client.ts";

export type UserMe = Extract<Me, { type: "user" }>;

export type MeEvent = { type: "loaded"; me: UserMe } | { type: "failed"; error: string } | { type: "cleared" };

export function createMeStore(api: Api) {
  const store = { user: signal<UserMe | null>(null), error: signal<string | null>(null), loading: signal(false) };
  async function load(): Promise<UserMe | null> {
    store.loading.value = true;
    try {
      const me = await api.json(Me, "GET", "/v1/me");
      if (me.type !== "user") throw new Error("the dashboard needs a signed-in user, not an API key");
      applyMeEvent(store, { type: "loaded", me });
      return me;
    } catch (err) {
      applyMeEvent(store, { type: "failed", error: errorMessage(err) });
      return null;
    }
  }
  const isPlatformAdmin = computed(() => store.user.value?.isPlatformAdmin === true);
  return { ...store, isPlatformAdmin, load };
}

export type MeStore = ReturnType<typeof createMeStore>;
type MeState = Pick<MeStore, "user" | "error" | "loading">;

export function applyMeEvent(store: MeState, event: MeEvent): void {
  batch(() => {
    store.loading.value = false;
    switch (event.type) {
      case "loaded":
        store.user.value = event.me;
        store.error.value = null;
        break;
      case "failed":
        store.error.value = event.error;
        break;
      case "cleared":
        store.user.value = null;
        store.error.value = null;
        break;
    }
  });
}
