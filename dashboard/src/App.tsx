// The shell: the sign-in gate, the callback, loading who is signed in and their spaces, the
// header with the space switcher, and the page for the current route (pages are lazy chunks).
import { useSignalEffect } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "./api/client.ts";
import { adminPath, spacePath, type Route } from "./router.ts";
import { StoresContext, useShell, type Stores } from "./stores/index.ts";
import { permissionsFor } from "./stores/permissions.ts";
import { lazyPage } from "./ui/lazy.tsx";
import { signedOutParam } from "./auth/auth-store.ts";
import { CreateSpaceForm, SpaceSwitcher } from "./ui/SpaceSwitcher.tsx";

const AgentsPage = lazyPage(() => import("./pages/AgentsPage.tsx"));
const AgentEditorPage = lazyPage(() => import("./pages/AgentEditorPage.tsx"));
const ToolsPage = lazyPage(() => import("./pages/ToolsPage.tsx"));
const ToolEditorPage = lazyPage(() => import("./pages/ToolEditorPage.tsx"));
const MembersPage = lazyPage(() => import("./pages/MembersPage.tsx"));
const ApiKeysPage = lazyPage(() => import("./pages/ApiKeysPage.tsx"));
const ProviderKeysPage = lazyPage(() => import("./pages/ProviderKeysPage.tsx"));
const TelephonyPage = lazyPage(() => import("./pages/TelephonyPage.tsx"));
const CampaignsPage = lazyPage(() => import("./pages/CampaignsPage.tsx"));
const CampaignWizardPage = lazyPage(() => import("./pages/CampaignWizardPage.tsx"));
const CampaignMonitorPage = lazyPage(() => import("./pages/CampaignMonitorPage.tsx"));
const SessionsPage = lazyPage(() => import("./pages/SessionsPage.tsx"));
const SessionsDetailPage = lazyPage(() => import("./pages/SessionsDetailPage.tsx"));
const AnalyticsPage = lazyPage(() => import("./pages/AnalyticsPage.tsx"));
const AcceptInvitationPage = lazyPage(() => import("./pages/AcceptInvitationPage.tsx"));
const SpaceSettingsPage = lazyPage(() => import("./pages/SpaceSettingsPage.tsx"));
const AdminUsersPage = lazyPage(() => import("./pages/AdminUsersPage.tsx"));
const AdminCatalogPage = lazyPage(() => import("./pages/AdminCatalogPage.tsx"));
const AdminPlansPage = lazyPage(() => import("./pages/AdminPlansPage.tsx"));
const BillingPage = lazyPage(() => import("./pages/BillingPage.tsx"));
const WebhooksPage = lazyPage(() => import("./pages/WebhooksPage.tsx"));

export function App() {
  const { router, auth } = useShell();
  const route = router.route.value;
  if (route.name === "callback") return <Callback />;
  if (auth.leaving.value) return <p class="center muted">Signing out…</p>;
  if (!auth.signedIn.value) return <SignInRedirect />;
  return <SignedIn route={route} />;
}

function Callback() {
  const { auth, router, config } = useShell();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    auth.completeSignIn(location.search).then(
      (returnTo) => router.navigate(returnTo, { replace: true }),
      (err: unknown) => setError(errorMessage(err)),
    );
  }, []);
  if (!error) return <p class="center muted">Signing in…</p>;
  return (
    <div class="center">
      <p class="error">{error}</p>
      <button onClick={() => void auth.signIn(config.basePath)}>Sign in again</button>
    </div>
  );
}

function SignInRedirect() {
  const { auth, router, config } = useShell();
  const [error, setError] = useState<string | null>(null);
  // Back from the issuer's sign-out: stay here instead of bouncing straight into sign-in again.
  const signedOut = router.here() === `${config.basePath}?${signedOutParam}`;
  useEffect(() => {
    if (!signedOut) auth.signIn(router.here()).catch((err: unknown) => setError(errorMessage(err)));
  }, [signedOut]);
  if (signedOut) {
    return (
      <div class="center">
        <p>You are signed out.</p>
        <button onClick={() => void auth.signIn(config.basePath)}>Sign in</button>
      </div>
    );
  }
  if (!error) return <p class="center muted">Redirecting to sign-in…</p>;
  return (
    <div class="center">
      <p class="error">Could not reach the sign-in service: {error}</p>
      <button onClick={() => location.reload()}>Try again</button>
    </div>
  );
}

function SignedIn({ route }: { route: Route }) {
  const { me, spaces, auth } = useShell();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    Promise.all([me.load(), spaces.load()]).catch((err: unknown) => setError(errorMessage(err)));
  }, []);
  const spaceId = "spaceId" in route ? route.spaceId : null;
  useEffect(() => spaces.open(spaceId), [spaceId]);

  const user = me.user.value;
  return (
    <div class="shell">
      <header>
        <strong class="brand">Speaknode</strong>
        {spaces.loaded.value && <SpaceSwitcher />}
        {spaceId && <SpaceNav spaceId={spaceId} route={route} />}
        <span class="spacer" />
        {me.isPlatformAdmin.value && (
          <nav>
            <a href={adminPath("users")} class={route.name === "adminUsers" || route.name === "adminCatalog" || route.name === "adminPlans" ? "active" : ""}>
              Admin
            </a>
          </nav>
        )}
        {user && <span class="muted">{user.name ?? user.email}</span>}
        <button class="link" onClick={() => void auth.signOut()}>
          Sign out
        </button>
      </header>
      <main>
        {error || me.error.value ? (
          <p class="error">{error ?? me.error.value}</p>
        ) : spaces.loaded.value ? (
          <WithStores>
            <Page route={route} />
          </WithStores>
        ) : (
          <p class="muted">Loading…</p>
        )}
      </main>
    </div>
  );
}

/** Provides every store to the pages once their module is loaded (it is fetched beside the shell's). */
function WithStores({ children }: { children: ComponentChildren }) {
  const { loadStores } = useShell();
  const [stores, setStores] = useState<Stores | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    loadStores().then(setStores, (err: unknown) => setError(errorMessage(err)));
  }, []);
  if (error) return <p class="error">Could not load this page: {error}. Reload to try again.</p>;
  return stores ? <StoresContext.Provider value={stores}>{children}</StoresContext.Provider> : <p class="muted">Loading…</p>;
}

function SpaceNav({ spaceId, route }: { spaceId: string; route: Route }) {
  const { spaces } = useShell();
  const can = permissionsFor(spaces.role.value);
  const item = (page: "agents" | "tools" | "members" | "apiKeys" | "providerKeys" | "telephony" | "campaigns" | "webhooks" | "sessions" | "analytics" | "billing" | "settings", label: string) => (
    <a href={spacePath(spaceId, page)} class={route.name === page || (page === "sessions" && route.name === "session") || (page === "campaigns" && (route.name === "campaign" || route.name === "campaignNew")) || (page === "agents" && route.name === "agentEditor") || (page === "tools" && route.name === "toolEditor") ? "active" : ""}>
      {label}
    </a>
  );
  return (
    <nav>
      {item("agents", "Agents")}
      {item("tools", "Tools")}
      {item("sessions", "Sessions")}
      {item("analytics", "Analytics")}
      {item("members", "Members")}
      {can.manageApiKeys && item("apiKeys", "API keys")}
      {item("providerKeys", "Provider keys")}
      {item("telephony", "Telephony")}
      {item("campaigns", "Campaigns")}
      {item("webhooks", "Webhooks")}
      {item("billing", "Billing")}
      {can.manageSpace && item("settings", "Settings")}
    </nav>
  );
}

function Page({ route }: { route: Route }) {
  const { spaces, me } = useShell();
  switch (route.name) {
    case "home":
      return <Home />;
    case "acceptInvitation":
      return <AcceptInvitationPage token={route.token} />;
    case "adminUsers":
    case "adminCatalog":
    case "adminPlans":
      // Shown to platform Admins only; the API checks the role on every call anyway.
      if (!me.user.value) return <p class="muted">Loading…</p>;
      if (!me.isPlatformAdmin.value) return <p class="error">This page is for platform Admins.</p>;
      return route.name === "adminUsers" ? <AdminUsersPage /> : route.name === "adminCatalog" ? <AdminCatalogPage /> : <AdminPlansPage />;
    case "agents":
    case "agentEditor":
    case "tools":
    case "toolEditor":
    case "members":
    case "apiKeys":
    case "providerKeys":
    case "telephony":
    case "campaigns":
    case "campaignNew":
    case "campaign":
    case "sessions":
    case "session":
    case "analytics":
    case "billing":
    case "webhooks":
    case "settings": {
      const space = spaces.spaces.value.find((s) => s.id === route.spaceId);
      if (!space) return <p class="error">This space does not exist or you are not a member of it.</p>;
      if (route.name === "agents") return <AgentsPage spaceId={space.id} />;
      if (route.name === "agentEditor") return <AgentEditorPage spaceId={space.id} agentId={route.agentId} />;
      if (route.name === "tools") return <ToolsPage spaceId={space.id} />;
      if (route.name === "toolEditor") return <ToolEditorPage spaceId={space.id} toolId={route.toolId} />;
      if (route.name === "members") return <MembersPage spaceId={space.id} />;
      if (route.name === "sessions") return <SessionsPage spaceId={space.id} />;
      if (route.name === "session") return <SessionsDetailPage spaceId={space.id} sessionId={route.sessionId} />;
      if (route.name === "analytics") return <AnalyticsPage spaceId={space.id} />;
      if (route.name === "settings") return <SpaceSettingsPage space={space} />;
      if (route.name === "billing") return <BillingPage space={space} />;
      if (route.name === "providerKeys") return <ProviderKeysPage space={space} />;
      if (route.name === "telephony") return <TelephonyPage space={space} />;
      if (route.name === "webhooks") return <WebhooksPage space={space} />;
      if (route.name === "campaigns") return <CampaignsPage spaceId={space.id} />;
      if (route.name === "campaignNew") return <CampaignWizardPage spaceId={space.id} draftId={route.draftId} />;
      if (route.name === "campaign") return <CampaignMonitorPage spaceId={space.id} campaignId={route.campaignId} />;
      return <ApiKeysPage spaceId={space.id} />;
    }
    case "callback":
    case "notFound":
      return <p class="error">There is no page here.</p>;
  }
}

/** /app/: on to the last or first space's agents; a first space is created here when there is none. */
function Home() {
  const { spaces, router } = useShell();
  useSignalEffect(() => {
    const target = spaces.loaded.value ? spaces.landing() : null;
    if (target) router.navigate(spacePath(target, "agents"), { replace: true });
  });
  if (spaces.spaces.value.length > 0) return <p class="muted">Opening your space…</p>;
  return (
    <section class="card narrow">
      <h1>Create your first space</h1>
      <p class="muted">A space holds agents, members and API keys.</p>
      <CreateSpaceForm onCreated={(s) => router.navigate(spacePath(s.id, "agents"))} />
    </section>
  );
}
