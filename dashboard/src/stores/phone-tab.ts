// The agent editor's Phone tab without the DOM: the phone system tools in the agent's `tools` list
// (transfer_to_number with its destinations, send_dtmf — the same ToolRef items the Tools tab
// toggles), phone numbers typed by people read back as E.164, and the "Call me" test: its body
// (OutboundCallBody), whether the chosen number may reach the destination, and one store per
// panel that places the call and follows its live events.
import { signal } from "@preact/signals";
import { normalizePhoneText } from "../../../packages/phone/src/light.ts";
import type * as PhonePolicyModule from "../../../packages/phone/src/index.ts";
import type { TransferDestination } from "../../../packages/contracts/src/phone-settings.ts";
import { OutboundCall, OutboundCallBody, type PhoneNumber } from "../../../packages/contracts/src/telephony.ts";
import type { SystemToolName, ToolRef } from "../../../packages/contracts/src/tools.ts";
import type { VariableValue } from "../../../packages/contracts/src/variables.ts";
import type { Api } from "../api/client.ts";
import { formErrors, zodFieldErrors, type FieldErrors } from "../ui/forms.ts";
import { connectLive, createLiveState, reset, type OpenSocket } from "./sessions-live.ts";

type SystemRef = Extract<ToolRef, { type: "system" }>;

/** A system tool as it is first attached: the transfer tools start with an empty list to fill. */
export function systemToolRef(name: SystemToolName): SystemRef {
  if (name === "transfer_to_agent") return { type: "system", name, targets: [] };
  if (name === "transfer_to_number") return { type: "system", name, destinations: [] };
  return { type: "system", name };
}

/** `tools` with the system tool `name` attached (once) or detached. */
export function withSystemTool(tools: ToolRef[], name: SystemToolName, on: boolean): ToolRef[] {
  const rest = tools.filter((r) => !(r.type === "system" && r.name === name));
  if (!on) return rest;
  return tools.some((r) => r.type === "system" && r.name === name) ? tools : [...tools, systemToolRef(name)];
}

/** Where the phone tools sit in `tools` (-1: not attached) and the transfer destinations. */
export function phoneToolsOf(tools: ToolRef[]): { transferIndex: number; destinations: TransferDestination[]; dtmfIndex: number } {
  const transferIndex = tools.findIndex((r) => r.type === "system" && r.name === "transfer_to_number");
  const transfer = tools[transferIndex];
  return {
    transferIndex,
    destinations: transfer?.type === "system" ? (transfer.destinations ?? []) : [],
    dtmfIndex: tools.findIndex((r) => r.type === "system" && r.name === "send_dtmf"),
  };
}

/** `tools` with transfer_to_number's destinations replaced (the tool is attached when it was not). */
export function withDestinations(tools: ToolRef[], destinations: TransferDestination[]): ToolRef[] {
  const { transferIndex } = phoneToolsOf(tools);
  if (transferIndex < 0) return [...tools, { type: "system", name: "transfer_to_number", destinations }];
  return tools.map((r, i) => (i === transferIndex && r.type === "system" ? { ...r, destinations } : r));
}

export const newDestination = (): TransferDestination => ({ name: "", number: "", when: "", announcement: "" });

/** What was typed, as E.164 when it is a phone number (else as typed, trimmed: the schema says why). */
export function normalisePhoneInput(raw: string): string {
  return normalizePhoneText(raw) ?? raw.trim();
}

/** The full phone policy (countries need libphonenumber's metadata: a chunk of its own, loaded when asked). */
export type PhonePolicy = Pick<typeof PhonePolicyModule, "parsePhoneNumber" | "countryOf" | "destinationAllowed">;
export const loadPhonePolicy = (): Promise<PhonePolicy> => import("../../../packages/phone/src/index.ts");

export interface CallMeForm {
  to: string;
  fromNumberId: string;
  /** Typed by the agent's variable schema (test-call.ts `typedVariables`); absent ones take their default. */
  variables?: Record<string, VariableValue>;
}

/** The POST body of a "Call me" test, or the fields the API would refuse. */
export function callMeBody(form: CallMeForm): { ok: true; body: OutboundCallBody } | { ok: false; fields: FieldErrors } {
  const parsed = OutboundCallBody.safeParse({ to: form.to, fromNumberId: form.fromNumberId, variables: form.variables ?? {} });
  if (parsed.success) return { ok: true, body: parsed.data };
  const fields = zodFieldErrors(parsed.error);
  if (!form.fromNumberId) fields["fromNumberId"] = "pick the number to call from";
  return { ok: false, fields };
}

/**
 * Why `from` may not call `to` under its allowed destination countries (the API refuses such calls
 * too), or null when it may — or when `to` is not a phone number yet. A hint only: the API decides.
 */
export function destinationWarning(phone: PhonePolicy, to: string, from: Pick<PhoneNumber, "e164" | "allowedCountries"> | undefined): string | null {
  const parsed = phone.parsePhoneNumber(to);
  if (!parsed.ok || !from) return null;
  if (phone.destinationAllowed(parsed.e164, from.allowedCountries)) return null;
  const country = phone.countryOf(parsed.e164) ?? "an unknown country";
  const allowed = from.allowedCountries.length === 0 ? "no country" : from.allowedCountries.join(", ");
  return `${from.e164} may only call ${allowed}; ${parsed.e164} is in ${country}. Change the number's allowed countries on the Telephony page.`;
}

/** Whether the API is on this machine: its calls then reach the Twilio simulator of `npm run dev`. */
export function isLocalApi(apiBase: string, origin: string): boolean {
  try {
    const host = new URL(apiBase || origin, origin).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]" || host.endsWith(".localhost");
  } catch {
    return false;
  }
}

const defaultOpenSocket: OpenSocket = (url) => new WebSocket(url);

/** One "Call me" panel: places the call, then follows its session's live events until it ends. */
export function createCallMeStore(deps: { api: Api; agentId: string; openSocket?: OpenSocket }) {
  const call = signal<OutboundCall | null>(null);
  const fields = signal<FieldErrors>({});
  const message = signal<string | null>(null);
  const calling = signal(false);
  const connected = signal(false);
  const live = createLiveState();
  let stopLive: (() => void) | null = null;

  function stop(): void {
    stopLive?.();
    stopLive = null;
    connected.value = false;
  }

  /** POSTs the call; on success the live events of its session are followed. */
  async function place(form: CallMeForm): Promise<OutboundCall | null> {
    const checked = callMeBody(form);
    fields.value = checked.ok ? {} : checked.fields;
    message.value = null;
    if (!checked.ok) return null;
    stop();
    calling.value = true;
    try {
      const placed = await deps.api.json(OutboundCall, "POST", `/v1/agents/${encodeURIComponent(deps.agentId)}/calls`, { body: checked.body });
      call.value = placed;
      reset(live, placed.sessionId);
      live.status.value = placed.status;
      stopLive = connectLive(placed.eventsUrl, live, deps.openSocket ?? defaultOpenSocket, (c) => (connected.value = c));
      return placed;
    } catch (err) {
      const f = formErrors(err);
      fields.value = f.fields;
      message.value = f.message;
      return null;
    } finally {
      calling.value = false;
    }
  }

  /** Ends the call (the API hangs up the provider's call too). */
  async function hangUp(): Promise<void> {
    const placed = call.value;
    if (!placed) return;
    try {
      await deps.api.empty("POST", `/v1/sessions/${encodeURIComponent(placed.sessionId)}/end`);
    } catch (err) {
      message.value = formErrors(err).message;
    }
  }

  return { call, fields, message, calling, connected, live, place, hangUp, stop };
}

export type CallMeStore = ReturnType<typeof createCallMeStore>;
