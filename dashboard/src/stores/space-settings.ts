// The space settings page's state (Owners): renaming, with inline errors from the contract's
// schema or the API's problem, and deleting, which needs the space's name typed back first.
import { batch, signal } from "@preact/signals";
import type { Space } from "../../../packages/contracts/src/spaces.ts";
import { errorMessage } from "../api/client.ts";
import { formErrors, type FieldErrors } from "../ui/forms.ts";
import type { SpacesStore } from "./spaces.ts";

type Spaces = Pick<SpacesStore, "rename" | "remove" | "landing">;

/** Whether the confirmation typed matches the space's name (surrounding spaces forgiven). */
export function deleteConfirmed(space: Pick<Space, "name">, typed: string): boolean {
  return typed.trim() === space.name.trim();
}

export function createSpaceSettingsStore(spaces: Spaces) {
  const store = {
    /** Errors of the rename form by field (`name`), and a general one. */
    fields: signal<FieldErrors>({}),
    message: signal<string | null>(null),
    saved: signal(false),
    /** Why the delete form did not delete. */
    deleteError: signal<string | null>(null),
    busy: signal(false),
  };
  /** The renamed space, or null with the errors set. */
  async function rename(spaceId: string, name: string): Promise<Space | null> {
    reset();
    store.busy.value = true;
    try {
      const space = await spaces.rename(spaceId, name);
      store.saved.value = true;
      return space;
    } catch (err) {
      const { fields, message } = formErrors(err);
      batch(() => {
        store.fields.value = fields;
        store.message.value = message;
      });
      return null;
    } finally {
      store.busy.value = false;
    }
  }
  /**
   * Deletes after the confirmation matches; resolves where to go next: another space's id,
   * null for "no space left" (the create-space screen), or undefined when nothing was deleted.
   */
  async function remove(space: Space, typed: string): Promise<string | null | undefined> {
    reset();
    if (!deleteConfirmed(space, typed)) {
      store.deleteError.value = `Type the space's name, ${space.name}, to delete it.`;
      return undefined;
    }
    store.busy.value = true;
    try {
      await spaces.remove(space.id);
      return spaces.landing();
    } catch (err) {
      store.deleteError.value = errorMessage(err);
      return undefined;
    } finally {
      store.busy.value = false;
    }
  }
  /** Another space opened: its form starts clean. */
  function reset(): void {
    batch(() => {
      store.fields.value = {};
      store.message.value = null;
      store.saved.value = false;
      store.deleteError.value = null;
    });
  }
  return { ...store, rename, remove, reset };
}

export type SpaceSettingsStore = ReturnType<typeof createSpaceSettingsStore>;
