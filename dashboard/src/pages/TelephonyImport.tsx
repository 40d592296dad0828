// "Import numbers": pick a connection, page through the numbers its provider offers (a Twilio or
// VoxImplant account's numbers, a LiveKit SIP trunk's own list), tick the ones to import (ticks
// survive paging; numbers already in this space are shown but cannot be ticked), optionally bind
// them all to an agent, import. On import the API points each number at this platform (Twilio's
// webhooks, VoxImplant's application, a LiveKit dispatch rule) and undoes it on release.
import { useEffect, useMemo } from "preact/hooks";
import { useStores } from "../stores/index.ts";
import { createPhoneImportStore, importable, importPageSize } from "../stores/phone-import.ts";
import type { TelephonyStore } from "../stores/telephony.ts";
import { importEffect, providerLabels } from "../stores/telephony-labels.ts";
import { Field } from "../ui/fields.tsx";

export function ImportDialog({ store, spaceId, onClose }: { store: TelephonyStore; spaceId: string; onClose: () => void }) {
  const { api, agents } = useStores();
  const dialog = useMemo(() => createPhoneImportStore({ api, spaceId }), [spaceId]);
  const connections = store.connections.value;
  const first = connections[0]?.id;
  useEffect(() => {
    if (first && !dialog.connectionId.value) void dialog.open(first);
  }, [first]);
  const submit = async (e: Event) => {
    e.preventDefault();
    const imported = await dialog.submit();
    if (imported) {
      store.imported(imported);
      onClose();
    }
  };
  const page = dialog.numbers.value;
  const selectable = (page ?? []).filter(importable);
  const allTicked = selectable.length > 0 && selectable.every((n) => dialog.selected.value[n.providerNumberId]);
  const fields = dialog.fields.value;
  const chosen = connections.find((c) => c.id === dialog.connectionId.value) ?? null;
  const provider = chosen?.provider ?? "twilio";
  const holder = provider === "livekit_sip" ? "This trunk lists" : "This account holds";
  return (
    <form class="import-dialog stack" aria-label="Import numbers" onSubmit={submit} noValidate>
      <div class="row">
        <h3>Import numbers</h3>
        <span class="spacer" />
        <button type="button" class="link" onClick={onClose}>
          Close
        </button>
      </div>
      <div class="grid">
        <Field label="Connection" error={fields["connectionId"]}>
          <select value={dialog.connectionId.value ?? ""} onChange={(e) => void dialog.open(e.currentTarget.value)}>
            {connections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({providerLabels[c.provider]}{c.provider === "livekit_sip" ? "" : ` ${c.accountId}`})
              </option>
            ))}
          </select>
        </Field>
        <Field label="Bind to agent (optional)" error={fields["agentId"]} hint="Inbound calls to the imported numbers go to this agent">
          <select value={dialog.agentId.value} onChange={(e) => (dialog.agentId.value = e.currentTarget.value)}>
            <option value="">No agent yet</option>
            {agents.agents.value.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {dialog.error.value && <p class="error">{dialog.error.value}</p>}
      {!page ? (
        <p class="muted">{dialog.loading.value ? (provider === "livekit_sip" ? "Reading the trunk's numbers…" : `Asking ${providerLabels[provider]} for the account's numbers…`) : ""}</p>
      ) : page.length === 0 ? (
        <p class="muted">
          {holder} no numbers{dialog.index.value > 0 ? " on this page" : ""}.
        </p>
      ) : (
        <table class="available">
          <thead>
            <tr>
              <th>
                <input type="checkbox" aria-label="Tick every number on this page" checked={allTicked} disabled={selectable.length === 0} onChange={(e) => dialog.togglePage(e.currentTarget.checked)} />
              </th>
              <th>Number</th>
              <th>Friendly name</th>
              <th>{provider === "livekit_sip" ? "In this space" : "Calls go to now"}</th>
            </tr>
          </thead>
          <tbody>
            {page.map((n) => (
              <tr key={n.providerNumberId} class={importable(n) ? "" : "muted"} data-available={n.e164}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Import ${n.e164}`}
                    checked={!!dialog.selected.value[n.providerNumberId]}
                    disabled={!importable(n)}
                    onChange={(e) => dialog.toggle(n, e.currentTarget.checked)}
                  />
                </td>
                <td>
                  <code>{n.e164}</code>
                </td>
                <td>{n.friendlyName ?? ""}</td>
                {provider === "livekit_sip" ? (
                  <td>{importable(n) ? <span class="muted">not yet</span> : "already imported here"}</td>
                ) : (
                  <td class="url">{importable(n) ? (n.voiceUrl ?? <span class="muted">nowhere</span>) : "already imported here"}</td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="row">
        <button type="button" class="link" disabled={dialog.loading.value || dialog.index.value === 0} onClick={() => void dialog.previous()}>
          ← Previous
        </button>
        <span class="muted">
          Page {dialog.index.value + 1} ({importPageSize} a page)
        </span>
        <button type="button" class="link" disabled={dialog.loading.value || dialog.nextPageToken.value === null} onClick={() => void dialog.next()}>
          Next →
        </button>
      </div>
      {fields["providerNumberIds"] && <p class="error">{fields["providerNumberIds"]}</p>}
      {dialog.message.value && <p class="error">{dialog.message.value}</p>}
      <p class="muted">{importEffect[provider]}</p>
      <div class="row">
        <button type="submit" disabled={dialog.importing.value || dialog.count.value === 0}>
          {dialog.importing.value ? "Importing…" : `Import ${dialog.count.value} number${dialog.count.value === 1 ? "" : "s"}`}
        </button>
      </div>
    </form>
  );
}
