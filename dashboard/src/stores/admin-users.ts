// Every user of the platform (platform Admins), newest first, a page at a time: the API pages by
// cursor (the last id seen, so sign-ups meanwhile never shift a page) and has no search: "more"
// appends the next page.
import { batch, signal } from "@preact/signals";
import { z } from "zod";
import { AdminUser } from "../../../packages/contracts/src/users.ts";
import type { Api } from "../api/client.ts";
import { errorMessage } from "../api/client.ts";

const UsersPage = z.object({ data: z.array(AdminUser), nextCursor: z.string().nullable() });

export const adminUsersPageSize = 50;

export type AdminUsersEvent =
  | { type: "loading"; generation: number }
  | { type: "loaded"; generation: number; users: AdminUser[]; nextCursor: string | null; append: boolean }
  | { type: "failed"; generation: number; error: string };

export function createAdminUsersStore(api: Api) {
  const store = {
    users: signal<AdminUser[]>([]),
    /** Where the next page starts; null when the last page is shown. */
    nextCursor: signal<string | null>(null),
    loading: signal(false),
    error: signal<string | null>(null),
    /** Bumped by each first-page load, so a late "more" from before it is dropped. */
    generation: signal(0),
  };
  async function fetchPage(cursor: string | null, append: boolean): Promise<void> {
    const generation = append ? store.generation.value : store.generation.value + 1;
    applyAdminUsersEvent(store, { type: "loading", generation });
    try {
      const page = await api.json(UsersPage, "GET", "/v1/admin/users", { query: { limit: adminUsersPageSize, cursor: cursor ?? undefined } });
      applyAdminUsersEvent(store, { type: "loaded", generation, users: page.data, nextCursor: page.nextCursor, append });
    } catch (err) {
      applyAdminUsersEvent(store, { type: "failed", generation, error: errorMessage(err) });
    }
  }
  const load = () => fetchPage(null, false);
  async function loadMore(): Promise<void> {
    const cursor = store.nextCursor.value;
    if (cursor && !store.loading.value) await fetchPage(cursor, true);
  }
  return { ...store, load, loadMore };
}

export type AdminUsersStore = ReturnType<typeof createAdminUsersStore>;
type AdminUsersState = Pick<AdminUsersStore, "users" | "nextCursor" | "loading" | "error" | "generation">;

export function applyAdminUsersEvent(store: AdminUsersState, event: AdminUsersEvent): void {
  batch(() => {
    if (event.generation < store.generation.value) return;
    switch (event.type) {
      case "loading":
        store.generation.value = event.generation;
        store.loading.value = true;
        store.error.value = null;
        break;
      case "loaded":
        store.users.value = event.append ? [...store.users.value, ...event.users] : event.users;
        store.nextCursor.value = event.nextCursor;
        store.loading.value = false;
        break;
      case "failed":
        store.error.value = event.error;
        store.loading.value = false;
        break;
    }
  });
}
