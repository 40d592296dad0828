// The unsaved-changes guard of the editor pages: the browser asks on reload or close, the router on
// in-app navigation (links, back/forward), for as long as `dirty` says there is something to lose.
import type { ReadonlySignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Router } from "../router.ts";

export function useUnsavedGuard(router: Router, dirty: ReadonlySignal<boolean>, question: string): void {
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (!dirty.value) return;
      e.preventDefault();
      e.returnValue = "";
    };
    addEventListener("beforeunload", onBeforeUnload);
    const release = router.guardLeave(() => !dirty.value || confirm(question));
    return () => {
      removeEventListener("beforeunload", onBeforeUnload);
      release();
    };
  }, [dirty]);
}
