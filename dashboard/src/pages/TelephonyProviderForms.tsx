// VoxImplant and LiveKit SIP connection forms, each for adding and for editing a connection. The
// VoxImplant one takes the service account key file pasted or chosen (checked here: the message
// names the key file's field that is wrong), the application and rule ids and the audio encoding;
// the LiveKit SIP one the outbound and inbound trunk settings and the trunk's numbers one a line.
// Secrets are write-only: when editing, an empty key or password keeps the stored one.
import { useSignal } from "@preact/signals";
import type { TelephonyConnection } from "../../../packages/contracts/src/telephony.ts";
import type { SaveResult, TelephonyStore } from "../stores/telephony.ts";
import {
  emptyLiveKitSipForm,
  emptyVoximplantForm,
  keySummary,
  liveKitSipFormOf,
  voximplantFormOf,
  type LiveKitSipForm,
  type SipTransportName,
  type VoximplantForm,
} from "../stores/telephony-forms.ts";
import { encodingLabels, transportLabels } from "../stores/telephony-labels.ts";
import { Field } from "../ui/fields.tsx";
import type { FieldErrors } from "../ui/forms.ts";

type Mode = { kind: "add" } | { kind: "edit"; connection: TelephonyConnection };
type Props = { store: TelephonyStore; mode: Mode; onDone: () => void };

/** Busy flag, field errors and message of a form whose submit returns a SaveResult. */
function useSubmit<F>(initial: F, save: (form: F) => Promise<SaveResult<TelephonyConnection>>, cleared: F, onDone: () => void) {
  const form = useSignal<F>(initial);
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  const busy = useSignal(false);
  const set = (patch: Partial<F>) => (form.value = { ...form.value, ...patch });
  const submit = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    const result = await save(form.value);
    busy.value = false;
    if (result.ok) {
      form.value = cleared; // the secrets leave the page with the request
      onDone();
    } else {
      fields.value = result.fields;
      message.value = result.message;
    }
  };
  return { form, fields, message, busy, set, submit };
}

function Buttons({ busy, busyText, text, onCancel }: { busy: boolean; busyText: string; text: string; onCancel: () => void }) {
  return (
    <div class="row">
      <button type="submit" disabled={busy}>
        {busy ? busyText : text}
      </button>
      <button type="button" class="link" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** Errors for the whole form: the API's message and anything no input shows. */
function FormMessages({ fields, message }: { fields: FieldErrors; message: string | null }) {
  return (
    <>
      {fields["_"] && <p class="error">{fields["_"]}</p>}
      {message && <p class="error">{message}</p>}
    </>
  );
}

export function VoximplantConnectionForm({ store, mode, onDone }: Props) {
  const editing = mode.kind === "edit" ? mode.connection : null;
  const s = useSubmit<VoximplantForm>(
    editing ? voximplantFormOf(editing) : emptyVoximplantForm,
    (form) => (editing ? store.editConnection(editing, { provider: "voximplant", form }) : store.addConnection({ provider: "voximplant", form })),
    emptyVoximplantForm,
    onDone,
  );
  const fileName = useSignal<string | null>(null);
  const fileError = useSignal<string | null>(null);
  const readFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    fileError.value = null;
    if (file.size > 20_000) {
      fileError.value = `${file.name} is too large for a service account key file`;
      return;
    }
    try {
      s.set({ keyText: await file.text() });
      fileName.value = file.name;
    } catch {
      fileError.value = `${file.name} could not be read`;
    }
  };
  const f = s.form.value;
  const fields = s.fields.value;
  const title = editing ? `Change ${editing.name}` : "Add VoxImplant connection";
  return (
    <form class="stack connection-form" onSubmit={s.submit} noValidate aria-label={title}>
      <p class="muted">
        {editing
          ? "A new key file rotates the service account key; leave it empty to keep the stored one. Changes are checked with VoxImplant before they are saved."
          : "VoxImplant's control panel: Settings → Service accounts → Add, then Generate key downloads the key file. The key, application and rule are checked with VoxImplant before they are saved."}
      </p>
      <div class="grid">
        <Field label="Name" error={fields["name"]}>
          <input value={f.name} placeholder="e.g. VoxImplant support line" onInput={(e) => s.set({ name: e.currentTarget.value })} />
        </Field>
        <Field label="Application id" error={fields["applicationId"]} hint="Applications → your application: the number in its address">
          <input value={f.applicationId} inputMode="numeric" autocomplete="off" onInput={(e) => s.set({ applicationId: e.currentTarget.value })} />
        </Field>
        <Field label="Rule id" error={fields["ruleId"]} hint="The application's routing rule that runs the Speaknode scenario">
          <input value={f.ruleId} inputMode="numeric" autocomplete="off" onInput={(e) => s.set({ ruleId: e.currentTarget.value })} />
        </Field>
        <Field label="Audio encoding" error={fields["encoding"]}>
          <select value={f.encoding} onChange={(e) => s.set({ encoding: e.currentTarget.value === "ulaw" ? "ulaw" : "pcm8" })}>
            <option value="pcm8">{encodingLabels.pcm8}</option>
            <option value="ulaw">{encodingLabels.ulaw}</option>
          </select>
        </Field>
      </div>
      <Field
        label={editing ? "New service account key file (JSON, optional)" : "Service account key file (JSON)"}
        error={fields["serviceAccountKey"]}
        hint={fileName.value ? "Read from the chosen file" : 'Paste the file\'s contents: {"account_id": …, "key_id": …, "private_key": …}'}
      >
        {fileName.value ? (
          // A chosen file's private key stays off the screen: only what tells keys apart is shown.
          <input readOnly class="key-file" value={`${fileName.value}: ${keySummary(f.keyText)}`} />
        ) : (
        <textarea
          class="key-file"
          rows={5}
          value={f.keyText}
          spellcheck={false}
          autocomplete="off"
          placeholder={editing ? "Empty: keep the stored key" : '{"account_id": 1234567, "key_id": "…", "private_key": "-----BEGIN PRIVATE KEY-----…"}'}
          onInput={(e) => {
            fileName.value = null;
            s.set({ keyText: e.currentTarget.value });
          }}
        />
        )}
      </Field>
      <label class="file-pick">
        Or choose the key file
        <input type="file" accept=".json,application/json" onChange={(e) => void readFile(e.currentTarget)} />
      </label>
      {fileName.value && (
        <button
          type="button"
          class="link paste-instead"
          onClick={() => {
            fileName.value = null;
            s.set({ keyText: "" });
          }}
        >
          Paste the key file's contents instead
        </button>
      )}
      {fileError.value && <p class="error">{fileError.value}</p>}
      <FormMessages fields={fields} message={s.message.value} />
      <Buttons busy={s.busy.value} busyText="Checking with VoxImplant…" text={editing ? "Save" : "Add connection"} onCancel={onDone} />
    </form>
  );
}

const transports: SipTransportName[] = ["auto", "udp", "tcp", "tls"];

export function LiveKitSipConnectionForm({ store, mode, onDone }: Props) {
  const editing = mode.kind === "edit" ? mode.connection : null;
  const s = useSubmit<LiveKitSipForm>(
    editing ? liveKitSipFormOf(editing) : emptyLiveKitSipForm,
    (form) => (editing ? store.editConnection(editing, { provider: "livekit_sip", form }) : store.addConnection({ provider: "livekit_sip", form })),
    emptyLiveKitSipForm,
    onDone,
  );
  const f = s.form.value;
  const fields = s.fields.value;
  const passwordHint = editing ? "Empty keeps the stored password" : "Only if the provider asks for digest authentication";
  const title = editing ? `Change ${editing.name}` : "Add LiveKit SIP connection";
  return (
    <form class="stack connection-form" onSubmit={s.submit} noValidate aria-label={title}>
      <p class="muted">
        A SIP trunk at your provider (Twilio Elastic SIP, Telnyx, your PBX…) connected through LiveKit: Speaknode creates the trunks at LiveKit and a dispatch rule for each
        imported number.
      </p>
      <div class="grid">
        <Field label="Name" error={fields["name"]}>
          <input value={f.name} placeholder="e.g. Office SIP trunk" onInput={(e) => s.set({ name: e.currentTarget.value })} />
        </Field>
      </div>
      <fieldset class="grid">
        <legend>Outbound: where LiveKit sends calls out</legend>
        <Field label="Address" error={fields["outbound.address"]} hint="The provider's SIP host, e.g. example.pstn.twilio.com">
          <input value={f.outboundAddress} autocomplete="off" spellcheck={false} onInput={(e) => s.set({ outboundAddress: e.currentTarget.value })} />
        </Field>
        <Field label="Transport" error={fields["outbound.transport"]}>
          <select value={f.outboundTransport} onChange={(e) => s.set({ outboundTransport: transports.find((t) => t === e.currentTarget.value) ?? "auto" })}>
            {transports.map((t) => (
              <option key={t} value={t}>
                {transportLabels[t]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Outbound username (optional)" error={fields["outbound.authUsername"]}>
          <input value={f.outboundUsername} autocomplete="off" spellcheck={false} onInput={(e) => s.set({ outboundUsername: e.currentTarget.value })} />
        </Field>
        <Field label="Outbound password (optional)" error={fields["outbound.authPassword"]} hint={passwordHint}>
          <input type="password" value={f.outboundPassword} autocomplete="new-password" onInput={(e) => s.set({ outboundPassword: e.currentTarget.value })} />
        </Field>
      </fieldset>
      <fieldset class="grid">
        <legend>Inbound: calls the provider sends in</legend>
        <Field label="Allowed addresses" error={fields["inbound.allowedAddresses"]} hint="IP addresses or CIDR ranges the provider calls from, one a line">
          <textarea rows={3} value={f.allowedAddresses} spellcheck={false} placeholder={"54.172.60.0/30\n54.244.51.0/30"} onInput={(e) => s.set({ allowedAddresses: e.currentTarget.value })} />
        </Field>
        <Field label="Inbound username (optional)" error={fields["inbound.authUsername"]}>
          <input value={f.inboundUsername} autocomplete="off" spellcheck={false} onInput={(e) => s.set({ inboundUsername: e.currentTarget.value })} />
        </Field>
        <Field label="Inbound password (optional)" error={fields["inbound.authPassword"]} hint={passwordHint}>
          <input type="password" value={f.inboundPassword} autocomplete="new-password" onInput={(e) => s.set({ inboundPassword: e.currentTarget.value })} />
        </Field>
      </fieldset>
      <Field label="The trunk's numbers" error={fields["numbers"]} hint="One a line, with the country code (+14155550100); offered for import">
        <textarea rows={3} value={f.numbers} spellcheck={false} placeholder="+14155550100" onInput={(e) => s.set({ numbers: e.currentTarget.value })} />
      </Field>
      <FormMessages fields={fields} message={s.message.value} />
      <Buttons busy={s.busy.value} busyText="Saving…" text={editing ? "Save" : "Add connection"} onCancel={onDone} />
    </form>
  );
}
