// The editors' optimistic-concurrency banner: someone saved first (412); reload their version,
// keeping the unsaved changes on top of it or discarding them.
import type { Signal } from "@preact/signals";
import { errorMessage } from "../api/client.ts";

export interface ConflictingStore {
  conflict: Signal<string | null>;
  message: Signal<string | null>;
  reload(opts: { keepChanges: boolean }): Promise<unknown>;
}

export function ConflictBanner({ store, what }: { store: ConflictingStore; what: string }) {
  const reload = (keepChanges: boolean) => {
    store.reload({ keepChanges }).catch((err: unknown) => (store.message.value = errorMessage(err)));
  };
  return (
    <div class="card conflict" role="alert">
      <strong>This {what} was changed elsewhere.</strong> <span>{store.conflict.value}</span>
      <div class="row">
        <button type="button" onClick={() => reload(true)}>
          Reload and keep my changes
        </button>
        <button type="button" class="link danger" onClick={() => confirm("Reload and lose your unsaved changes?") && reload(false)}>
          Reload and discard my changes
        </button>
      </div>
    </div>
  );
}
