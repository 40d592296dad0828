// A space's telephony: its provider connections (Twilio accounts, VoxImplant applications, LiveKit
// SIP trunks — forms of the last two in telephony-forms.ts; the secrets only travel in the request
// that sets them, the list shows a hint) and the phone numbers imported from them, with
// their settings. Every member sees both; Owners add, rotate, delete, edit and release. The forms'
// checks are the API's own schemas, so a field error shows before the request is sent. Pure parts
// (form → body, `applyTelephonyEvent`) are tested without a DOM.
import { batch, signal } from "@preact/signals";
import { listOf } from "../../../packages/contracts/src/spaces.ts";
import {
  CreateTelephonyConnectionBody,
  PhoneNumber,
  TelephonyConnection,
  UpdatePhoneNumberBody,
  UpdateTelephonyConnectionBody,
  type TwilioAuth,
} from "../../../packages/contracts/src/telephony.ts";
import type { Api } from "../api/client.ts";
import { formErrors, zodFieldErrors, type FieldErrors } from "../ui/forms.ts";
import {
  liveKitSipBody,
  liveKitSipFields,
  liveKitSipPatch,
  placeErrors,
  sentLists,
  voximplantBody,
  voximplantFields,
  voximplantPatch,
  type Checked,
  type LiveKitSipForm,
  type SentLists,
  type VoximplantForm,
} from "./telephony-forms.ts";

export type AuthType = TwilioAuth["type"];

/** The "Add Twilio connection" form, and the credentials part of "Rotate". */
export interface CredentialsForm {
  authType: AuthType;
  authToken: string;
  apiKeySid: string;
  apiKeySecret: string;
}

export interface ConnectionForm extends CredentialsForm {
  name: string;
  accountSid: string;
}

export const emptyConnectionForm: ConnectionForm = { name: "", accountSid: "", authType: "auth_token", authToken: "", apiKeySid: "", apiKeySecret: "" };

export type { Checked };

// Pasted SIDs and secrets often carry a space or a line break at either end.
function authOf(form: CredentialsForm): Record<string, string> {
  return form.authType === "auth_token"
    ? { type: "auth_token", authToken: form.authToken.trim() }
    : { type: "api_key", apiKeySid: form.apiKeySid.trim(), apiKeySecret: form.apiKeySecret.trim(), authToken: form.authToken.trim() };
}

/** The POST body of a new Twilio connection, or the fields the API would refuse. */
export function connectionBody(form: ConnectionForm): Checked<CreateTelephonyConnectionBody> {
  const parsed = CreateTelephonyConnectionBody.safeParse({ provider: "twilio", name: form.name, accountSid: form.accountSid.trim(), auth: authOf(form) });
  return parsed.success ? { ok: true, body: parsed.data } : { ok: false, fields: zodFieldErrors(parsed.error) };
}

/** The PATCH body of a rename and/or rotation: the name when it changed, credentials when given. */
export function connectionPatch(current: TelephonyConnection, form: { name: string; rotate: boolean } & CredentialsForm): Checked<UpdateTelephonyConnectionBody> {
  const raw: Record<string, unknown> = {};
  if (form.name.trim() !== current.name) raw["name"] = form.name;
  if (form.rotate) raw["auth"] = authOf(form);
  const parsed = UpdateTelephonyConnectionBody.safeParse(raw);
  return parsed.success ? { ok: true, body: parsed.data } : { ok: false, fields: zodFieldErrors(parsed.error) };
}

/** A number's settings as the edit panel holds them (text where people type). */
export interface NumberForm {
  /** "" = no agent: inbound calls hear that the number is not in service. */
  agentId: string;
  inboundEnabled: boolean;
  recordingEnabled: boolean;
  maxConcurrentCalls: number | null;
  /** "US, CA", "*" for any country, "" for none. */
  allowedCountries: string;
  callerName: string;
}

export function numberFormOf(n: PhoneNumber): NumberForm {
  return {
    agentId: n.agentId ?? "",
    inboundEnabled: n.inboundEnabled,
    recordingEnabled: n.recordingEnabled,
    maxConcurrentCalls: n.maxConcurrentCalls,
    allowedCountries: n.allowedCountries.join(", "),
    callerName: n.callerName ?? "",
  };
}

/** "us, ca;GB" → ["US", "CA", "GB"]: separators are commas, semicolons or spaces; duplicates once. */
export function parseCountries(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter(Boolean).map((c) => c.toUpperCase()))];
}

/** The PATCH body of the edit panel: only the settings that changed. */
export function numberPatch(current: PhoneNumber, form: NumberForm): Checked<UpdatePhoneNumberBody> {
  const raw: Record<string, unknown> = {};
  const agentId = form.agentId === "" ? null : form.agentId;
  if (agentId !== current.agentId) raw["agentId"] = agentId;
  if (form.inboundEnabled !== current.inboundEnabled) raw["inboundEnabled"] = form.inboundEnabled;
  if (form.recordingEnabled !== current.recordingEnabled) raw["recordingEnabled"] = form.recordingEnabled;
  // NaN (text that is not a number) and null (empty) reach the schema, which says what is wrong.
  if (form.maxConcurrentCalls !== current.maxConcurrentCalls) raw["maxConcurrentCalls"] = form.maxConcurrentCalls ?? Number.NaN;
  const countries = parseCountries(form.allowedCountries);
  if (countries.join(",") !== current.allowedCountries.join(",")) raw["allowedCountries"] = countries;
  const callerName = form.callerName.trim() === "" ? null : form.callerName;
  if ((callerName?.trim() ?? null) !== current.callerName) raw["callerName"] = callerName;
  const parsed = UpdatePhoneNumberBody.safeParse(raw);
  if (parsed.success) return { ok: true, body: parsed.data };
  // One message per field: `allowedCountries.2` is shown under the countries input.
  const fields: FieldErrors = {};
  for (const [key, message] of Object.entries(zodFieldErrors(parsed.error))) {
    const field = key.split(".")[0] ?? key;
    const index = key.split(".")[1];
    fields[field] ??= field === "allowedCountries" && index !== undefined ? `${countries[Number(index)] ?? ""}: ${message}` : message;
  }
  return { ok: false, fields };
}

export type TelephonyEvent =
  | { type: "loading"; spaceId: string }
  | { type: "connections.loaded"; spaceId: string; connections: TelephonyConnection[] }
  | { type: "numbers.loaded"; spaceId: string; numbers: PhoneNumber[] }
  | { type: "connection.saved"; connection: TelephonyConnection }
  | { type: "connection.deleted"; connectionId: string }
  | { type: "numbers.saved"; numbers: PhoneNumber[] }
  | { type: "number.released"; phoneNumberId: string };

export type SaveResult<T> = { ok: true; value: T } | { ok: false; fields: FieldErrors; message: string | null };

/** "Add connection": the provider chosen and its form. */
export type NewConnection = { provider: "twilio"; form: ConnectionForm } | { provider: "voximplant"; form: VoximplantForm } | { provider: "livekit_sip"; form: LiveKitSipForm };
/** The edit form of a VoxImplant or LiveKit SIP connection (Twilio's is `updateConnection`'s). */
export type ConnectionEdit = { provider: "voximplant"; form: VoximplantForm } | { provider: "livekit_sip"; form: LiveKitSipForm };

/** The body of a new connection and where its inputs are, so the API's field errors land on them. */
function newConnectionBody(next: NewConnection): { checked: Checked<CreateTelephonyConnectionBody>; inputs: readonly string[] | null; lists: SentLists } {
  switch (next.provider) {
    case "twilio":
      return { checked: connectionBody(next.form), inputs: null, lists: {} };
    case "voximplant":
      return { checked: voximplantBody(next.form), inputs: voximplantFields, lists: {} };
    case "livekit_sip":
      return { checked: liveKitSipBody(next.form), inputs: liveKitSipFields, lists: sentLists(next.form) };
  }
}

/** The API's field errors on the form's inputs; those no input shows join the message. */
function placed<T>(result: SaveResult<T>, inputs: readonly string[] | null, lists: SentLists): SaveResult<T> {
  if (result.ok || inputs === null) return result;
  const { fields, unplaced } = placeErrors(result.fields, inputs, lists);
  const message = [result.message, ...unplaced].filter((m): m is string => !!m).join(" ") || null;
  return { ok: false, fields, message };
}

export function createTelephonyStore(api: Api) {
  const store = {
    spaceId: signal<string | null>(null),
    connections: signal<TelephonyConnection[]>([]),
    numbers: signal<PhoneNumber[]>([]),
    loading: signal(false),
    /** Why a list could not be loaded (each list on its own, so one failing leaves the other). */
    connectionsError: signal<string | null>(null),
    numbersError: signal<string | null>(null),
  };
  const space = (spaceId: string) => `/v1/spaces/${encodeURIComponent(spaceId)}`;
  const openSpace = () => {
    const id = store.spaceId.value;
    if (!id) throw new Error("no space is open");
    return id;
  };
  const message = (err: unknown) => formErrors(err).message ?? "request failed";

  async function loadConnections(spaceId: string): Promise<void> {
    try {
      const { data } = await api.json(listOf(TelephonyConnection), "GET", `${space(spaceId)}/telephony-connections`);
      applyTelephonyEvent(store, { type: "connections.loaded", spaceId, connections: data });
    } catch (err) {
      if (store.spaceId.value === spaceId) store.connectionsError.value = message(err);
    }
  }

  async function loadNumbers(spaceId: string): Promise<void> {
    try {
      const { data } = await api.json(listOf(PhoneNumber), "GET", `${space(spaceId)}/phone-numbers`);
      applyTelephonyEvent(store, { type: "numbers.loaded", spaceId, numbers: data });
    } catch (err) {
      if (store.spaceId.value === spaceId) store.numbersError.value = message(err);
    }
  }

  /** Loads both lists; a list that fails says why in its own error signal. */
  async function load(spaceId: string, which: "all" | "numbers" = "all"): Promise<void> {
    applyTelephonyEvent(store, { type: "loading", spaceId });
    await Promise.all([which === "all" ? loadConnections(spaceId) : null, loadNumbers(spaceId)]);
    if (store.spaceId.value === spaceId) store.loading.value = false;
  }

  async function send<T>(run: () => Promise<T>, apply: (value: T) => void): Promise<SaveResult<T>> {
    try {
      const value = await run();
      apply(value);
      return { ok: true, value };
    } catch (err) {
      return { ok: false, ...formErrors(err) };
    }
  }

  async function createConnection(form: ConnectionForm): Promise<SaveResult<TelephonyConnection>> {
    const checked = connectionBody(form);
    if (!checked.ok) return { ok: false, fields: checked.fields, message: null };
    const spaceId = openSpace();
    return send(
      () => api.json(TelephonyConnection, "POST", `${space(spaceId)}/telephony-connections`, { body: checked.body }),
      (connection) => applyTelephonyEvent(store, { type: "connection.saved", connection }),
    );
  }

  /** Adds a connection of any provider; the provider checks the settings before the API stores them. */
  async function addConnection(next: NewConnection): Promise<SaveResult<TelephonyConnection>> {
    const { checked, inputs, lists } = newConnectionBody(next);
    if (!checked.ok) return { ok: false, fields: checked.fields, message: null };
    const spaceId = openSpace();
    const result = await send(
      () => api.json(TelephonyConnection, "POST", `${space(spaceId)}/telephony-connections`, { body: checked.body }),
      (connection) => applyTelephonyEvent(store, { type: "connection.saved", connection }),
    );
    return placed(result, inputs, lists);
  }

  /** Saves the edit form of a VoxImplant or LiveKit SIP connection: only what changed; empty secrets keep the stored ones. */
  async function editConnection(current: TelephonyConnection, edit: ConnectionEdit): Promise<SaveResult<TelephonyConnection>> {
    const checked = edit.provider === "voximplant" ? voximplantPatch(current, edit.form) : liveKitSipPatch(current, edit.form);
    if (!checked.ok) return { ok: false, fields: checked.fields, message: null };
    if (Object.keys(checked.body).length === 0) return { ok: true, value: current };
    const result = await send(
      () => api.json(TelephonyConnection, "PATCH", `/v1/telephony-connections/${encodeURIComponent(current.id)}`, { body: checked.body }),
      (connection) => applyTelephonyEvent(store, { type: "connection.saved", connection }),
    );
    return edit.provider === "voximplant" ? placed(result, voximplantFields, {}) : placed(result, liveKitSipFields, sentLists(edit.form));
  }

  async function updateConnection(current: TelephonyConnection, form: { name: string; rotate: boolean } & CredentialsForm): Promise<SaveResult<TelephonyConnection>> {
    const checked = connectionPatch(current, form);
    if (!checked.ok) return { ok: false, fields: checked.fields, message: null };
    if (Object.keys(checked.body).length === 0) return { ok: true, value: current };
    return send(
      () => api.json(TelephonyConnection, "PATCH", `/v1/telephony-connections/${encodeURIComponent(current.id)}`, { body: checked.body }),
      (connection) => applyTelephonyEvent(store, { type: "connection.saved", connection }),
    );
  }

  /** Deletes a connection; its numbers go with it, so the numbers list is read again. */
  async function removeConnection(connectionId: string): Promise<void> {
    await api.empty("DELETE", `/v1/telephony-connections/${encodeURIComponent(connectionId)}`);
    applyTelephonyEvent(store, { type: "connection.deleted", connectionId });
    const spaceId = store.spaceId.value;
    if (spaceId) await loadNumbers(spaceId);
  }

  async function updateNumber(current: PhoneNumber, form: NumberForm): Promise<SaveResult<PhoneNumber>> {
    const checked = numberPatch(current, form);
    if (!checked.ok) return { ok: false, fields: checked.fields, message: null };
    if (Object.keys(checked.body).length === 0) return { ok: true, value: current };
    return send(
      () => api.json(PhoneNumber, "PATCH", `/v1/phone-numbers/${encodeURIComponent(current.id)}`, { body: checked.body }),
      (n) => applyTelephonyEvent(store, { type: "numbers.saved", numbers: [n] }),
    );
  }

  /** Releases a number: the API gives its previous webhook settings back to the provider. */
  async function releaseNumber(phoneNumberId: string): Promise<void> {
    await api.empty("DELETE", `/v1/phone-numbers/${encodeURIComponent(phoneNumberId)}`);
    applyTelephonyEvent(store, { type: "number.released", phoneNumberId });
  }

  /** Numbers the import dialog added (they count on their connection too, so it is read again). */
  function imported(numbers: PhoneNumber[]): void {
    applyTelephonyEvent(store, { type: "numbers.saved", numbers });
    const spaceId = store.spaceId.value;
    if (spaceId) void loadConnections(spaceId);
  }

  return { ...store, load, createConnection, addConnection, editConnection, updateConnection, removeConnection, updateNumber, releaseNumber, imported };
}

export type TelephonyStore = ReturnType<typeof createTelephonyStore>;
type State = Pick<TelephonyStore, "spaceId" | "connections" | "numbers" | "loading" | "connectionsError" | "numbersError">;

const byName = (a: TelephonyConnection, b: TelephonyConnection) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
const byNumber = (a: PhoneNumber, b: PhoneNumber) => a.e164.localeCompare(b.e164) || a.id.localeCompare(b.id);

export function applyTelephonyEvent(store: State, event: TelephonyEvent): void {
  batch(() => {
    switch (event.type) {
      case "loading":
        // Never show one space's connections or numbers under another.
        if (store.spaceId.value !== event.spaceId) {
          store.connections.value = [];
          store.numbers.value = [];
        }
        store.spaceId.value = event.spaceId;
        store.loading.value = true;
        store.connectionsError.value = null;
        store.numbersError.value = null;
        break;
      case "connections.loaded":
        if (store.spaceId.value !== event.spaceId) return;
        store.connections.value = [...event.connections].sort(byName);
        store.connectionsError.value = null;
        break;
      case "numbers.loaded":
        if (store.spaceId.value !== event.spaceId) return;
        store.numbers.value = [...event.numbers].sort(byNumber);
        store.numbersError.value = null;
        break;
      case "connection.saved":
        if (store.spaceId.value !== event.connection.spaceId) return;
        store.connections.value = [...store.connections.value.filter((c) => c.id !== event.connection.id), event.connection].sort(byName);
        break;
      case "connection.deleted":
        store.connections.value = store.connections.value.filter((c) => c.id !== event.connectionId);
        store.numbers.value = store.numbers.value.filter((n) => n.connectionId !== event.connectionId);
        break;
      case "numbers.saved": {
        const mine = event.numbers.filter((n) => n.spaceId === store.spaceId.value);
        const ids = new Set(mine.map((n) => n.id));
        store.numbers.value = [...store.numbers.value.filter((n) => !ids.has(n.id)), ...mine].sort(byNumber);
        break;
      }
      case "number.released":
        store.numbers.value = store.numbers.value.filter((n) => n.id !== event.phoneNumberId);
        break;
    }
  });
}
