// The space switcher in the header (keeps the current page when the chosen space allows it; a
// rename or delete shows at once, as both go through the spaces store) and the create-space
// form, validated with the API's CreateSpaceBody before it is sent.
import { useSignal } from "@preact/signals";
import { CreateSpaceBody, type Space } from "../../../packages/contracts/src/spaces.ts";
import { spacePath } from "../router.ts";
import { useShell } from "../stores/index.ts";
import { pageAfterSwitch } from "../stores/permissions.ts";
import { formErrors } from "./forms.ts";

const createValue = "__create__";

export function SpaceSwitcher() {
  const { spaces, router } = useShell();
  const creating = useSignal(false);
  const route = router.route.value;
  const choose = (value: string) => {
    if (value === createValue) creating.value = true;
    else router.navigate(spacePath(value, pageAfterSwitch(route.name, spaces.spaces.value.find((s) => s.id === value)?.role ?? null)));
  };
  return (
    <span class="switcher">
      <select aria-label="Space" value={spaces.currentId.value ?? ""} onChange={(e) => choose(e.currentTarget.value)}>
        {!spaces.currentId.value && <option value="">Choose a space…</option>}
        {spaces.spaces.value.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
            {s.role === "owner" ? " (Owner)" : ""}
          </option>
        ))}
        <option value={createValue}>+ Create space…</option>
      </select>
      {creating.value && (
        <div class="popover card">
          <CreateSpaceForm
            onCreated={(s) => {
              creating.value = false;
              router.navigate(spacePath(s.id, "agents"));
            }}
            onCancel={() => (creating.value = false)}
          />
        </div>
      )}
    </span>
  );
}

export function CreateSpaceForm({ onCreated, onCancel }: { onCreated: (space: Space) => void; onCancel?: () => void }) {
  const { spaces } = useShell();
  const name = useSignal("");
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const parsed = CreateSpaceBody.safeParse({ name: name.value });
    if (!parsed.success) {
      error.value = `Name ${parsed.error.issues[0]?.message ?? "is invalid"}`;
      return;
    }
    busy.value = true;
    try {
      onCreated(await spaces.create(parsed.data.name));
    } catch (err) {
      const { fields, message } = formErrors(err);
      error.value = fields["name"] ? `Name ${fields["name"]}` : message;
    } finally {
      busy.value = false;
    }
  };
  return (
    <form onSubmit={submit} class="row">
      <input aria-label="Space name" placeholder="Space name" value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} autoFocus />
      <button type="submit" disabled={busy.value}>
        Create space
      </button>
      {onCancel && (
        <button type="button" class="link" onClick={onCancel}>
          Cancel
        </button>
      )}
      {error.value && <p class="error">{error.value}</p>}
    </form>
  );
}
