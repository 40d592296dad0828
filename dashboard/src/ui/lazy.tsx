// Code-split pages without preact/compat: the page module is imported on first render and cached,
// so each page's code (and the bulk of the contracts' schemas) stays out of the initial bundle.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

export function lazyPage<P extends object>(load: () => Promise<{ default: ComponentType<P> }>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  return function LazyPage(props: P) {
    const [Page, setPage] = useState<ComponentType<P> | null>(() => loaded);
    const [error, setError] = useState<string | null>(null);
    useEffect(() => {
      if (Page) return;
      pending ??= load().then((m) => (loaded = m.default));
      pending.then(
        (c) => setPage(() => c),
        (err: unknown) => {
          pending = null;
          setError(err instanceof Error ? err.message : String(err));
        },
      );
    }, [Page]);
    if (error) return <p class="error">Could not load this page: {error}. Reload to try again.</p>;
    return Page ? <Page {...props} /> : <p class="muted">Loading…</p>;
  };
}
