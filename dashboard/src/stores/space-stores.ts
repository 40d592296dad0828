// The stores of a space's pages and the Admin's, created together once the shell asks for them
// (stores/index.ts loads this module on first need, keeping it out of the initial bundle).
import { createAdminCatalogStore } from "./admin-catalog.ts";
import { createAdminUsersStore } from "./admin-users.ts";
import { createAgentsStore } from "./agents.ts";
import { createAnalyticsStore } from "./analytics.ts";
import { createApiKeysStore } from "./api-keys.ts";
import { createBillingStore } from "./billing.ts";
import { createAdminPlansStore } from "./billing-plans.ts";
import type { ShellStores } from "./index.ts";
import { createMembersStore } from "./members.ts";
import { createProviderCredentialsStore } from "./provider-credentials.ts";
import { createSessionsStores } from "./sessions.ts";
import { createSpaceSettingsStore } from "./space-settings.ts";
import { createToolsStore } from "./tools.ts";

export function createSpaceStores(shell: Pick<ShellStores, "api" | "me" | "spaces">) {
  const { api, me, spaces } = shell;
  const members = createMembersStore(api, spaces, () => me.user.value?.id ?? null);
  const apiKeys = createApiKeysStore(api);
  const providerCredentials = createProviderCredentialsStore(api);
  const agents = createAgentsStore(api);
  const tools = createToolsStore(api);
  const sessions = createSessionsStores(api);
  const analytics = createAnalyticsStore(api);
  const spaceSettings = createSpaceSettingsStore(spaces);
  const billing = createBillingStore(api);
  const admin = { users: createAdminUsersStore(api), catalog: createAdminCatalogStore(api), plans: createAdminPlansStore(api) };
  return { members, apiKeys, providerCredentials, agents, tools, sessions, analytics, spaceSettings, billing, admin };
}

export type SpaceStores = ReturnType<typeof createSpaceStores>;
