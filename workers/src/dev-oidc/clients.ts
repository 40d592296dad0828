// The development issuer's registered clients. Only the dashboard uses the browser flows: its
// client id comes from configuration (DASHBOARD_OIDC_CLIENT_ID) and its redirect URIs are the
// dashboard's callback on this Worker's origin (and on PUBLIC_URL's, when that differs), compared
// exactly as RFC 6749 §3.1.2 and OIDC Core §3.1.2.1 ask. Scripts (`npm run token`, the benches) use
// the password grant, which has no redirect and so takes any public client id, as Keycloak's direct
// access grants do for a public client.
import type { Config } from "../config.ts";

export interface DevClient {
  clientId: string;
  redirectUris: readonly string[];
  postLogoutRedirectUris: readonly string[];
}

/** The dashboard is served by this Worker under /app/ (workers/src/routes/widget-assets.ts). */
const dashboardPath = "/app/";

export function registeredClients(config: Config): DevClient[] {
  const origins = new Set([new URL(config.oidc.issuer).origin]);
  if (config.publicUrl) origins.add(new URL(config.publicUrl).origin);
  const bases = [...origins].map((o) => `${o}${dashboardPath}`);
  return [
    {
      clientId: config.dashboard.oidcClientId,
      redirectUris: bases.map((b) => `${b}signin/callback`),
      // The dashboard returns to its root, flagged so it offers to sign in again instead of redirecting.
      postLogoutRedirectUris: bases.flatMap((b) => [b, `${b}?signed_out=1`]),
    },
  ];
}

export function findClient(config: Config, clientId: string | undefined): DevClient | null {
  if (!clientId) return null;
  return registeredClients(config).find((c) => c.clientId === clientId) ?? null;
}
