// All stores of one dashboard instance, handed to the pages through Preact contexts (never module
// singletons, so tests and multiple mounts stay independent). The shell's stores (auth, who is
// signed in, their spaces) are created at start; the stores of a space's pages (agents, tools,
// sessions, …) come from a module loaded on first need, so their contracts' schemas — and the
// phone-number metadata those reach — stay out of the JS loaded before the first paint.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { createApi, type Api } from "../api/client.ts";
import { createAuthStore, type AuthDeps, type AuthStore } from "../auth/auth-store.ts";
import type { Router } from "../router.ts";
import { createMeStore } from "./me.ts";
import type { SpaceStores } from "./space-stores.ts";
import { createSpacesStore } from "./spaces.ts";

export interface StoresDeps extends AuthDeps {
  router: Router;
}

function createShell(deps: StoresDeps) {
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
  return { config: deps.config, router: deps.router, auth, api, me, spaces };
}

export type ShellStores = ReturnType<typeof createShell> & {
  /** Every store: the shell's and the space pages' (created once, on the first call). */
  loadStores: () => Promise<Stores>;
};
export type Stores = ShellStores & SpaceStores;

export function createShellStores(deps: StoresDeps): ShellStores {
  const shell = createShell(deps);
  let all: Promise<Stores> | null = null;
  const loadStores = (): Promise<Stores> => {
    all ??= import("./space-stores.ts").then(
      (m) => ({ ...shell, loadStores, ...m.createSpaceStores(shell) }),
      (err: unknown) => {
        all = null; // a failed chunk load is retried on the next call
        throw err;
      },
    );
    return all;
  };
  return { ...shell, loadStores };
}

export const ShellContext = createContext<ShellStores | null>(null);
export const StoresContext = createContext<Stores | null>(null);

/** The shell's stores (available from the start). */
export function useShell(): ShellStores {
  const shell = useContext(ShellContext);
  if (!shell) throw new Error("useShell outside <ShellContext.Provider>");
  return shell;
}

/** Every store; only inside the pages, which render once `loadStores()` resolved. */
export function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error("useStores outside <StoresContext.Provider>");
  return stores;
}
