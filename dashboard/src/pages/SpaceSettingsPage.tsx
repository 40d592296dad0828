// A space's settings (Owners): rename it, or delete it with everything in it once its name is
// typed back. After a delete the app opens another space, or the create-space screen.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Space } from "../../../packages/contracts/src/spaces.ts";
import { spacePath } from "../router.ts";
import { useStores } from "../stores/index.ts";
import { permissionsFor } from "../stores/permissions.ts";
import { deleteConfirmed } from "../stores/space-settings.ts";
import { Field } from "../ui/fields.tsx";

export default function SpaceSettingsPage({ space }: { space: Space }) {
  const { spaceSettings: settings } = useStores();
  useEffect(() => settings.reset(), [space.id]);
  if (!permissionsFor(space.role).manageSpace) return <p class="error">Only Owners of this space change its settings.</p>;
  return (
    <section class="narrow">
      <h1>Space settings</h1>
      <RenameForm key={space.id} space={space} />
      <p>
        <a href={spacePath(space.id, "providerKeys")}>Provider keys</a> <span class="muted">— the space's own keys for model providers, instead of the platform's.</span>
      </p>
      <DeleteForm key={space.id} space={space} />
    </section>
  );
}

function RenameForm({ space }: { space: Space }) {
  const { spaceSettings: settings } = useStores();
  const name = useSignal(space.name);
  const submit = (e: Event) => {
    e.preventDefault();
    void settings.rename(space.id, name.value);
  };
  return (
    <form class="card" onSubmit={submit} noValidate>
      <h2>Name</h2>
      <Field label="Space name" error={settings.fields.value["name"]}>
        <input
          value={name.value}
          onInput={(e) => {
            name.value = e.currentTarget.value;
            settings.saved.value = false;
          }}
        />
      </Field>
      <div class="row">
        <button type="submit" disabled={settings.busy.value || name.value === space.name}>
          Rename
        </button>
        {settings.saved.value && <span class="muted">Saved.</span>}
      </div>
      {settings.message.value && !settings.fields.value["name"] && <p class="error">{settings.message.value}</p>}
    </form>
  );
}

function DeleteForm({ space }: { space: Space }) {
  const { spaceSettings: settings, router, config } = useStores();
  const typed = useSignal("");
  const submit = async (e: Event) => {
    e.preventDefault();
    const next = await settings.remove(space, typed.value);
    if (next === undefined) return;
    // Replace: the deleted space's page must not come back with Back.
    router.navigate(next ? spacePath(next, "agents") : config.basePath, { replace: true });
  };
  return (
    <form class="card" onSubmit={submit}>
      <h2 class="error">Delete this space</h2>
      <p>
        Deleting <strong>{space.name}</strong> removes its agents, tools, sessions, members, invitations and API keys. This cannot be undone.
      </p>
      <Field label={`Type ${space.name} to confirm`}>
        <input value={typed.value} onInput={(e) => (typed.value = e.currentTarget.value)} autoComplete="off" />
      </Field>
      <button type="submit" class="danger-fill" disabled={settings.busy.value || !deleteConfirmed(space, typed.value)}>
        Delete space
      </button>
      {settings.deleteError.value && <p class="error">{settings.deleteError.value}</p>}
    </form>
  );
}
