// Runtime configuration, read from <meta> tags in index.html so one build serves every deployment:
// the Worker can template the issuer and client id into the HTML it serves. Empty tags fall back
// to the development defaults, which match the Worker's built-in issuer at `${origin}/dev/oidc`.

export interface DashboardConfig {
  /** The OIDC issuer (no trailing slash); its discovery document lives under it. */
  issuer: string;
  clientId: string;
  /** Where the API's /v1 routes are; "" = this origin. */
  apiBase: string;
  /** The app's own origin, for the redirect URIs. */
  origin: string;
  /** The base path the app is served under, with a trailing slash. */
  basePath: string;
}

export const defaultClientId = "speaknode-dashboard";
export const basePath = "/app/";

export type MetaReader = (name: string) => string | null;

export function readConfig(origin: string, meta: MetaReader): DashboardConfig {
  const value = (name: string) => {
    const v = meta(name)?.trim();
    return v ? v : null;
  };
  return {
    issuer: (value("speaknode-oidc-issuer") ?? `${origin}/dev/oidc`).replace(/\/+$/, ""),
    clientId: value("speaknode-oidc-client-id") ?? defaultClientId,
    apiBase: (value("speaknode-api-base") ?? "").replace(/\/+$/, ""),
    origin,
    basePath,
  };
}

export function documentMeta(doc: Document): MetaReader {
  return (name) => doc.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? null;
}

/** The redirect URI registered with the issuer: the callback route of this app. */
export function redirectUri(config: DashboardConfig): string {
  return `${config.origin}${config.basePath}signin/callback`;
}
