// The forms of VoxImplant and LiveKit SIP connections (add and edit) as people type them — a pasted
// or uploaded service account key file, ids as text, addresses and numbers one per line — turned
// into the API's bodies (CreateTelephonyConnectionBody / UpdateTelephonyConnectionBody) by the API's
// own schemas. Errors are keyed by the API's field paths (`outbound.address`), so the server's
// problem+json errors land on the same inputs; errors inside a list or the key file are folded onto
// the one input that holds them, naming the line or the key file's field that is wrong.
import {
  CreateTelephonyConnectionBody,
  UpdateTelephonyConnectionBody,
  type SipTransport,
  type TelephonyConnection,
  type VoximplantEncoding,
} from "../../../packages/contracts/src/telephony.ts";
import type { z } from "zod";
import { fieldSentence, plainMessage } from "../ui/field-words.ts";
import { zodFieldErrors, type FieldErrors } from "../ui/forms.ts";

export type Checked<T> = { ok: true; body: T } | { ok: false; fields: FieldErrors };
export type SipTransportName = z.infer<typeof SipTransport>;

export interface VoximplantForm {
  name: string;
  /** The service account key file's JSON, pasted or read from the chosen file. Edit: empty keeps the stored key. */
  keyText: string;
  applicationId: string;
  ruleId: string;
  encoding: VoximplantEncoding;
}

export interface LiveKitSipForm {
  name: string;
  outboundAddress: string;
  outboundTransport: SipTransportName;
  outboundUsername: string;
  /** Edit: empty keeps the stored password. */
  outboundPassword: string;
  /** One address or CIDR range a line (commas and spaces separate too). */
  allowedAddresses: string;
  inboundUsername: string;
  inboundPassword: string;
  /** The trunk's numbers, one a line. */
  numbers: string;
}

export const emptyVoximplantForm: VoximplantForm = { name: "", keyText: "", applicationId: "", ruleId: "", encoding: "pcm8" };
export const emptyLiveKitSipForm: LiveKitSipForm = {
  name: "",
  outboundAddress: "",
  outboundTransport: "auto",
  outboundUsername: "",
  outboundPassword: "",
  allowedAddresses: "",
  inboundUsername: "",
  inboundPassword: "",
  numbers: "",
};

/** The inputs of the two forms, by the API path whose errors each shows. */
export const voximplantFields = ["name", "serviceAccountKey", "applicationId", "ruleId", "encoding"] as const;
export const liveKitSipFields = [
  "name",
  "outbound.address",
  "outbound.transport",
  "outbound.authUsername",
  "outbound.authPassword",
  "inbound.allowedAddresses",
  "inbound.authUsername",
  "inbound.authPassword",
  "numbers",
] as const;

/** Addresses: one a line, or separated by commas or spaces. */
export const addressLines = (text: string): string[] => text.split(/[\s,;]+/).filter(Boolean);
/** Numbers may hold spaces ("+1 415 555 0100"): only line breaks, commas and semicolons separate them. */
export const numberLines = (text: string): string[] => text.split(/[\n,;]+/).map((s) => s.trim()).filter(Boolean);

const keyFileShape = "must be the key file's JSON: an object with account_id, key_id and private_key";

/**
 * The key file's JSON as an object, or why not. The message never quotes the text: it holds a
 * private key, and JSON.parse's own message would show part of it.
 */
export function parseKeyFile(text: string): { ok: true; key: Record<string, unknown> } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, message: "paste the service account key file or choose it" };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { ok: false, message: `is not JSON: ${keyFileShape}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, message: keyFileShape };
  return { ok: true, key: value as Record<string, unknown> };
}

/** What a chosen key file holds, said without its private key: "account 123, key 0f1e…". */
export function keySummary(text: string): string {
  const key = parseKeyFile(text);
  if (!key.ok) return "not a service account key file";
  const account = key.key["account_id"];
  const keyId = key.key["key_id"];
  const said = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "?");
  return `account ${said(account)}, key ${said(keyId)}`;
}

/** "123" → 123; "" → undefined (the schema says it is required); other text → NaN ("must be a number"). */
function idOf(text: string): number | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  return /^\d+$/.test(t) ? Number(t) : Number.NaN;
}

/** The values each list field was sent with, to name the one an indexed error points at. */
export type SentLists = Partial<Record<"inbound.allowedAddresses" | "numbers", string[]>>;

/**
 * Errors keyed by the form's inputs: `serviceAccountKey.private_key` → `serviceAccountKey`
 * ("private_key: must be the PEM…"), `numbers.2` → `numbers` ("+1 555: must be…"). Errors for paths
 * no input shows are returned apart as sentences, for the form's message.
 */
export function placeErrors(fields: FieldErrors, inputs: readonly string[], lists: SentLists = {}): { fields: FieldErrors; unplaced: string[] } {
  const out: FieldErrors = {};
  const unplaced: string[] = [];
  for (const [path, raw] of Object.entries(fields)) {
    const message = plainMessage(raw);
    const key = /^serviceAccountKey\.(.+)$/.exec(path);
    if (key && inputs.includes("serviceAccountKey")) {
      out["serviceAccountKey"] = out["serviceAccountKey"] ? `${out["serviceAccountKey"]}; ${key[1]}: ${message}` : `${key[1]}: ${message}`;
      continue;
    }
    const item = /^(inbound\.allowedAddresses|numbers)\.(\d+)$/.exec(path);
    if (item && inputs.includes(item[1]!)) {
      const list = item[1] as keyof SentLists;
      const value = lists[list]?.[Number(item[2])];
      out[list] ??= `${value ?? `entry ${Number(item[2]) + 1}`}: ${message}`;
      continue;
    }
    // A whole trunk side refused (say, an unknown field): its first input shows it.
    const side = path === "outbound" ? "outbound.address" : path === "inbound" ? "inbound.allowedAddresses" : path;
    if (inputs.includes(side)) out[side] ??= message;
    else unplaced.push(fieldSentence(path, message));
  }
  return { fields: out, unplaced };
}

function checked<T>(parsed: z.ZodSafeParseResult<T>, inputs: readonly string[], lists: SentLists): Checked<T> {
  if (parsed.success) return { ok: true, body: parsed.data };
  const placed = placeErrors(zodFieldErrors(parsed.error), inputs, lists);
  // An error no input shows still blocks sending: the name input carries it rather than losing it.
  if (placed.unplaced.length > 0) placed.fields["_"] = placed.unplaced.join("; ");
  return { ok: false, fields: placed.fields };
}

/** The POST body of a new VoxImplant connection; the key file's own errors name its field. */
export function voximplantBody(form: VoximplantForm): Checked<CreateTelephonyConnectionBody> {
  const key = parseKeyFile(form.keyText);
  const parsed = CreateTelephonyConnectionBody.safeParse({
    provider: "voximplant",
    name: form.name,
    serviceAccountKey: key.ok ? key.key : {},
    applicationId: idOf(form.applicationId),
    ruleId: idOf(form.ruleId),
    encoding: form.encoding,
  });
  const result = checked(parsed, voximplantFields, {});
  if (key.ok) return result;
  const fields = result.ok ? {} : result.fields;
  return { ok: false, fields: { ...fields, serviceAccountKey: key.message } };
}

function sipAuth(username: string, password: string): { authUsername?: string; authPassword?: string } {
  return { ...(username.trim() ? { authUsername: username.trim() } : {}), ...(password ? { authPassword: password } : {}) };
}

function pairErrors(form: LiveKitSipForm): FieldErrors {
  // Digest authentication needs both halves; one alone is a typing slip, not a setting.
  const out: FieldErrors = {};
  if (form.outboundUsername.trim() && !form.outboundPassword) out["outbound.authPassword"] = "needed with a username";
  if (!form.outboundUsername.trim() && form.outboundPassword) out["outbound.authUsername"] = "needed with a password";
  if (form.inboundUsername.trim() && !form.inboundPassword) out["inbound.authPassword"] = "needed with a username";
  if (!form.inboundUsername.trim() && form.inboundPassword) out["inbound.authUsername"] = "needed with a password";
  return out;
}

export function sentLists(form: LiveKitSipForm): SentLists {
  return { "inbound.allowedAddresses": addressLines(form.allowedAddresses), numbers: numberLines(form.numbers) };
}

/** The POST body of a new LiveKit SIP connection (trunk settings and the trunk's numbers). */
export function liveKitSipBody(form: LiveKitSipForm): Checked<CreateTelephonyConnectionBody> {
  const lists = sentLists(form);
  const parsed = CreateTelephonyConnectionBody.safeParse({
    provider: "livekit_sip",
    name: form.name,
    outbound: { address: form.outboundAddress.trim(), transport: form.outboundTransport, ...sipAuth(form.outboundUsername, form.outboundPassword) },
    inbound: { allowedAddresses: lists["inbound.allowedAddresses"], ...sipAuth(form.inboundUsername, form.inboundPassword) },
    numbers: lists.numbers,
  });
  const result = checked(parsed, liveKitSipFields, lists);
  const pairs = pairErrors(form);
  if (Object.keys(pairs).length === 0) return result;
  return { ok: false, fields: { ...pairs, ...(result.ok ? {} : result.fields) } };
}

// ---- Editing ----------------------------------------------------------------------------------

/** The edit form of a VoxImplant connection: its settings, and an empty key (keep the stored one). */
export function voximplantFormOf(c: TelephonyConnection): VoximplantForm {
  const v = c.voximplant;
  return { name: c.name, keyText: "", applicationId: v ? String(v.applicationId) : "", ruleId: v ? String(v.ruleId) : "", encoding: v?.encoding ?? "pcm8" };
}

/** The PATCH body: what changed, and a new key only when one was given. */
export function voximplantPatch(current: TelephonyConnection, form: VoximplantForm): Checked<UpdateTelephonyConnectionBody> {
  const raw: Record<string, unknown> = {};
  const v = current.voximplant;
  if (form.name.trim() !== current.name) raw["name"] = form.name;
  const applicationId = idOf(form.applicationId);
  if (applicationId !== v?.applicationId) raw["applicationId"] = applicationId ?? Number.NaN;
  const ruleId = idOf(form.ruleId);
  if (ruleId !== v?.ruleId) raw["ruleId"] = ruleId ?? Number.NaN;
  if (form.encoding !== v?.encoding) raw["encoding"] = form.encoding;
  let keyError: string | null = null;
  if (form.keyText.trim() !== "") {
    const key = parseKeyFile(form.keyText);
    if (key.ok) raw["serviceAccountKey"] = key.key;
    else keyError = key.message;
  }
  const result = checked(UpdateTelephonyConnectionBody.safeParse(raw), voximplantFields, {});
  if (keyError === null) return result;
  return { ok: false, fields: { ...(result.ok ? {} : result.fields), serviceAccountKey: keyError } };
}

/** The edit form of a LiveKit SIP connection: its trunk settings, usernames shown, passwords empty (kept). */
export function liveKitSipFormOf(c: TelephonyConnection): LiveKitSipForm {
  const s = c.livekitSip;
  if (!s) return { ...emptyLiveKitSipForm, name: c.name };
  return {
    name: c.name,
    outboundAddress: s.outbound.address,
    outboundTransport: s.outbound.transport,
    outboundUsername: s.outbound.authUsername ?? "",
    outboundPassword: "",
    allowedAddresses: s.inbound.allowedAddresses.join("\n"),
    inboundUsername: s.inbound.authUsername ?? "",
    inboundPassword: "",
    numbers: s.numbers.join("\n"),
  };
}

/**
 * The PATCH body: each trunk side whole when any of its settings changed or a password was typed
 * (an omitted password keeps the stored one), the numbers when the list changed.
 */
export function liveKitSipPatch(current: TelephonyConnection, form: LiveKitSipForm): Checked<UpdateTelephonyConnectionBody> {
  const was = liveKitSipFormOf(current);
  const lists = sentLists(form);
  const raw: Record<string, unknown> = {};
  if (form.name.trim() !== current.name) raw["name"] = form.name;
  const outboundChanged =
    form.outboundAddress.trim() !== was.outboundAddress || form.outboundTransport !== was.outboundTransport || form.outboundUsername.trim() !== was.outboundUsername || form.outboundPassword !== "";
  if (outboundChanged) raw["outbound"] = { address: form.outboundAddress.trim(), transport: form.outboundTransport, ...sipAuth(form.outboundUsername, form.outboundPassword) };
  const addresses = lists["inbound.allowedAddresses"] ?? [];
  const inboundChanged = addresses.join("\n") !== was.allowedAddresses || form.inboundUsername.trim() !== was.inboundUsername || form.inboundPassword !== "";
  if (inboundChanged) raw["inbound"] = { allowedAddresses: addresses, ...sipAuth(form.inboundUsername, form.inboundPassword) };
  const numbers = lists.numbers ?? [];
  if (numbers.join("\n") !== was.numbers) raw["numbers"] = numbers;
  return checked(UpdateTelephonyConnectionBody.safeParse(raw), liveKitSipFields, lists);
}
