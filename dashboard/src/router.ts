// A tiny client router under /app/: a pure `matchRoute` from URL to a typed route, its inverse
// `routePath`, and a signal-backed history wrapper. Links are plain <a href> intercepted once at
// the root, so pages need no router component.
import { signal } from "@preact/signals";
import { basePath } from "./config.ts";

export type Route =
  | { name: "home" }
  | { name: "callback" }
  | { name: "acceptInvitation"; token: string | null }
  | { name: "agents"; spaceId: string }
  | { name: "members"; spaceId: string }
  | { name: "apiKeys"; spaceId: string }
  | { name: "providerKeys"; spaceId: string }
  | { name: "agentEditor"; spaceId: string; agentId: string }
  | { name: "tools"; spaceId: string }
  | { name: "toolEditor"; spaceId: string; toolId: string }
  | { name: "sessions"; spaceId: string }
  | { name: "session"; spaceId: string; sessionId: string }
  | { name: "analytics"; spaceId: string }
  | { name: "settings"; spaceId: string }
  /** The plan, this period's usage, invoices and the payment method. */
  | { name: "billing"; spaceId: string }
  | { name: "telephony"; spaceId: string }
  /** Outbound endpoints and their deliveries, inbound routes and the inbound webhook log. */
  | { name: "webhooks"; spaceId: string }
  | { name: "campaigns"; spaceId: string }
  /** The create wizard; `draftId` continues a draft campaign. */
  | { name: "campaignNew"; spaceId: string; draftId: string | null }
  | { name: "campaign"; spaceId: string; campaignId: string }
  | { name: "adminUsers" }
  | { name: "adminCatalog" }
  | { name: "adminPlans" }
  | { name: "notFound"; path: string };

const spacePages = { agents: "agents", members: "members", "api-keys": "apiKeys", "provider-keys": "providerKeys", sessions: "sessions", settings: "settings", tools: "tools", analytics: "analytics", telephony: "telephony", campaigns: "campaigns", billing: "billing", webhooks: "webhooks" } as const;
type SpacePage = (typeof spacePages)[keyof typeof spacePages];

export function matchRoute(pathname: string, search: string): Route {
  const rest = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname === basePath.slice(0, -1) ? "" : null;
  if (rest === null) return { name: "notFound", path: pathname };
  const parts = rest.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: "home" };
  if (parts.length === 2 && parts[0] === "signin" && parts[1] === "callback") return { name: "callback" };
  if (parts.length === 2 && parts[0] === "invitations" && parts[1] === "accept") return { name: "acceptInvitation", token: new URLSearchParams(search).get("token") };
  if (parts.length === 3 && parts[0] === "spaces" && parts[1]) {
    const page = parts[2] && Object.hasOwn(spacePages, parts[2]) ? spacePages[parts[2] as keyof typeof spacePages] : null;
    if (page) return { name: page, spaceId: parts[1] };
  }
  if (parts.length === 2 && parts[0] === "admin" && parts[1] === "users") return { name: "adminUsers" };
  if (parts.length === 2 && parts[0] === "admin" && parts[1] === "catalog") return { name: "adminCatalog" };
  if (parts.length === 2 && parts[0] === "admin" && parts[1] === "plans") return { name: "adminPlans" };
  if (parts.length === 4 && parts[0] === "spaces" && parts[1] && parts[2] === "sessions" && parts[3]) return { name: "session", spaceId: parts[1], sessionId: parts[3] };
  if (parts.length === 4 && parts[0] === "spaces" && parts[1] && parts[2] === "agents" && parts[3]) return { name: "agentEditor", spaceId: parts[1], agentId: parts[3] };
  if (parts.length === 4 && parts[0] === "spaces" && parts[1] && parts[2] === "tools" && parts[3]) return { name: "toolEditor", spaceId: parts[1], toolId: parts[3] };
  if (parts.length === 4 && parts[0] === "spaces" && parts[1] && parts[2] === "campaigns" && parts[3] === "new") return { name: "campaignNew", spaceId: parts[1], draftId: new URLSearchParams(search).get("draft") };
  if (parts.length === 4 && parts[0] === "spaces" && parts[1] && parts[2] === "campaigns" && parts[3]) return { name: "campaign", spaceId: parts[1], campaignId: parts[3] };
  return { name: "notFound", path: pathname };
}

export function spacePath(spaceId: string, page: SpacePage): string {
  const segment = page === "apiKeys" ? "api-keys" : page === "providerKeys" ? "provider-keys" : page;
  return `${basePath}spaces/${encodeURIComponent(spaceId)}/${segment}`;
}

/** The platform Admin's pages. */
export const adminPath = (page: "users" | "catalog" | "plans") => `${basePath}admin/${page}`;

export const sessionPath = (spaceId: string, sessionId: string) => `${spacePath(spaceId, "sessions")}/${encodeURIComponent(sessionId)}`;

export const agentPath = (spaceId: string, agentId: string) => `${spacePath(spaceId, "agents")}/${encodeURIComponent(agentId)}`;

/** A webhook tool's editor; `toolId` "new" opens an empty one. */
export const toolPath = (spaceId: string, toolId: string) => `${spacePath(spaceId, "tools")}/${encodeURIComponent(toolId)}`;

/** A campaign's monitoring page. */
export const campaignPath = (spaceId: string, campaignId: string) => `${spacePath(spaceId, "campaigns")}/${encodeURIComponent(campaignId)}`;

/** The create wizard, or (with `draftId`) the wizard continuing that draft. */
export const campaignWizardPath = (spaceId: string, draftId: string | null = null) =>
  `${spacePath(spaceId, "campaigns")}/new${draftId ? `?draft=${encodeURIComponent(draftId)}` : ""}`;

export interface HistoryLike {
  location: { pathname: string; search: string };
  history: { pushState(data: unknown, unused: string, url: string): void; replaceState(data: unknown, unused: string, url: string): void };
  addEventListener(type: "popstate", fn: () => void): void;
}

export function createRouter(win: HistoryLike) {
  const current = () => matchRoute(win.location.pathname, win.location.search);
  const route = signal<Route>(current());
  /** The app path with query, to return to after signing in. */
  const here = () => `${win.location.pathname}${win.location.search}`;
  // Leave guards (an editor with unsaved changes), each able to veto leaving the page shown.
  const guards = new Set<() => boolean>();
  const mayLeave = () => [...guards].every((mayGo) => mayGo());
  let shown = here();
  /** Ask `mayGo` before each in-app navigation away from this path; returns the removal. */
  function guardLeave(mayGo: () => boolean): () => void {
    guards.add(mayGo);
    return () => void guards.delete(mayGo);
  }
  function navigate(to: string, opts: { replace?: boolean } = {}): void {
    if (to !== here() && !mayLeave()) return;
    if (opts.replace) win.history.replaceState(null, "", to);
    else win.history.pushState(null, "", to);
    shown = here();
    route.value = current();
  }
  win.addEventListener("popstate", () => {
    // Back/forward cannot be cancelled: when a guard vetoes, put the page being left back.
    if (here() !== shown && !mayLeave()) return win.history.pushState(null, "", shown);
    shown = here();
    route.value = current();
  });
  return { route, navigate, here, guardLeave };
}

export type Router = ReturnType<typeof createRouter>;

/** Same-app link clicks become pushState navigations; modified clicks and other targets are left alone. */
export function interceptLinks(root: HTMLElement, router: Router): void {
  root.addEventListener("click", (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target instanceof Element ? e.target.closest("a") : null;
    if (!a || a.target || a.hasAttribute("download") || a.origin !== location.origin || !a.pathname.startsWith(basePath)) return;
    e.preventDefault();
    router.navigate(`${a.pathname}${a.search}`);
  });
}
