// All stores of one dashboard instance, created together and handed to the pages through a
// Preact context (never module singletons, so tests and multiple mounts stay independent).
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { createApi, type Api } from "../api/client.ts";
import { createAuthStore, type AuthDeps, type AuthStore } from "../auth/auth-store.ts";
import type { Router } from "../router.ts";
import { createAdminCatalogStore } from "./admin-catalog.ts";
import { createAdminUsersStore } from "./admin-users.ts";
import { createAgentsStore } from "./agents.ts";
import { createAnalyticsStore } from "./analytics.ts";
import { createApiKeysStore } from "./api-keys.ts";
import { createMeStore } from "./me.ts";
import { createMembersStore } from "./members.ts";
import { createProviderCredentialsStore } from "./provider-credentials.ts";
import { createSessionsStores } from "./sessions.ts";
import { createSpaceSettingsStore } from "./space-settings.ts";
import { createSpacesStore } from "./spaces.ts";
import { createToolsStore } from "./tools.ts";

export interface StoresDeps extends AuthDeps {
  router: Router;
}

export function createStores(deps: StoresDeps) {
  const auth: AuthStore = createAuthStore(deps);
  const api: Api = createApi({
    base: deps.config.apiBase,
    fetch: deps.fetch,
    accessToken: auth.accessToken,
    refresh: async () => (await auth.refresh()) !== null,
    // The session is gone: sign in again and come back to this very page.
    onUnauthorized: () => {
      auth.forget();
      void auth.signIn(deps.router.here());
    },
  });
  const me = createMeStore(api);
  const spaces = createSpacesStore(api, deps.storage);
  const members = createMembersStore(api, spaces, () => me.user.value?.id ?? null);
  const apiKeys = createApiKeysStore(api);
  const providerCredentials = createProviderCredentialsStore(api);
  const agents = createAgentsStore(api);
  const tools = createToolsStore(api);
  const sessions = createSessionsStores(api);
  const analytics = createAnalyticsStore(api);
  const spaceSettings = createSpaceSettingsStore(spaces);
  const admin = { users: createAdminUsersStore(api), catalog: createAdminCatalogStore(api) };
  return { config: deps.config, router: deps.router, auth, api, me, spaces, members, apiKeys, providerCredentials, agents, tools, sessions, analytics, spaceSettings, admin };
}

export type Stores = ReturnType<typeof createStores>;

export const StoresContext = createContext<Stores | null>(null);

export function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error("useStores outside <StoresContext.Provider>");
  return stores;
}
