// LiveKit's SIP service (trunks, dispatch rules, SIP participants) over the same bounded Twirp
// client the media driver uses (see sessions/livekit/twirp.ts for why not the SDK's SipClient).
// Request bodies are what the SDK's SipClient sends for the same inputs — protobuf JSON with
// camelCase names, default values left out, durations as "30s" — which client.contract.test.ts
// checks against the SDK itself; tokens carry the same grants per method.
import { AccessToken } from "livekit-server-sdk";
import { z } from "zod";
import { jsonValue, text } from "@speaknode/contracts";
import { apiOrigin, LiveKitError, twirpCall } from "../../sessions/livekit/twirp.ts";

export { LiveKitError } from "../../sessions/livekit/twirp.ts";

export type SipTransport = "auto" | "udp" | "tcp" | "tls";

export interface SipInboundTrunkInput {
  name: string;
  metadata: string;
  numbers: string[];
  allowedAddresses: string[];
  authUsername?: string | undefined;
  authPassword?: string | undefined;
  headersToAttributes: Record<string, string>;
}
export interface SipInboundTrunk {
  sipTrunkId: string;
  name: string;
  metadata: string;
  numbers: string[];
  allowedAddresses: string[];
  authUsername: string;
  headersToAttributes: Record<string, string>;
}

export interface SipOutboundTrunkInput {
  name: string;
  metadata: string;
  address: string;
  transport: SipTransport;
  numbers: string[];
  authUsername?: string | undefined;
  authPassword?: string | undefined;
}
export interface SipOutboundTrunk {
  sipTrunkId: string;
  name: string;
  metadata: string;
  address: string;
  transport: SipTransport;
  numbers: string[];
  authUsername: string;
}

export interface SipAgentDispatch {
  agentName: string;
  metadata: string;
}
/** A rule that puts each call in a room of its own (`<roomPrefix><random>`) and dispatches `agents` into it. */
export interface SipDispatchRuleInput {
  name: string;
  metadata: string;
  trunkIds: string[];
  /** The called numbers the rule applies to (the trunk's numbers; empty = all of them). */
  numbers: string[];
  roomPrefix: string;
  agents: SipAgentDispatch[];
}
export interface SipDispatchRule extends SipDispatchRuleInput {
  sipDispatchRuleId: string;
}

export interface CreateSipParticipantInput {
  trunkId: string;
  to: string;
  from: string;
  room: string;
  identity: string;
  name?: string;
  attributes?: Record<string, string>;
  ringingTimeoutS: number;
  maxCallDurationS: number;
  waitUntilAnswered: boolean;
}
export interface SipParticipant {
  participantId: string;
  participantIdentity: string;
  roomName: string;
  sipCallId: string;
}

export interface TransferSipParticipantInput {
  room: string;
  identity: string;
  /** `tel:+1…` or `sip:…` */
  transferTo: string;
  playDialtone?: boolean;
}

export interface LiveKitSipClient {
  listInboundTrunks(): Promise<SipInboundTrunk[]>;
  createInboundTrunk(t: SipInboundTrunkInput): Promise<SipInboundTrunk>;
  updateInboundTrunk(id: string, t: SipInboundTrunkInput): Promise<SipInboundTrunk>;
  listOutboundTrunks(): Promise<SipOutboundTrunk[]>;
  createOutboundTrunk(t: SipOutboundTrunkInput): Promise<SipOutboundTrunk>;
  updateOutboundTrunk(id: string, t: SipOutboundTrunkInput): Promise<SipOutboundTrunk>;
  deleteTrunk(id: string): Promise<void>;
  listDispatchRules(): Promise<SipDispatchRule[]>;
  createDispatchRule(r: SipDispatchRuleInput): Promise<SipDispatchRule>;
  updateDispatchRule(id: string, r: SipDispatchRuleInput): Promise<SipDispatchRule>;
  deleteDispatchRule(id: string): Promise<void>;
  createParticipant(p: CreateSipParticipantInput): Promise<SipParticipant>;
  transferParticipant(p: TransferSipParticipantInput): Promise<void>;
}

export interface LiveKitSipClientOptions {
  /** LIVEKIT_URL (`wss://…`); the API is called on its https origin. */
  url: string;
  apiKey: string;
  apiSecret: string;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}

/** A SIP call that failed (CreateSIPParticipant with waitUntilAnswered, TransferSIPParticipant):
 *  the Twirp error's meta carries the SIP response, e.g. 486 Busy Here. */
export class SipCallError extends LiveKitError {
  override name = "SipCallError";
  readonly sipStatusCode: number | undefined;
  readonly sipStatus: string | undefined;

  constructor(from: LiveKitError) {
    const meta = from.meta ?? {};
    const raw = meta["sip_status_code"];
    const code = raw === undefined ? undefined : Number(raw);
    const sipStatusCode = code !== undefined && Number.isInteger(code) ? code : undefined;
    const sipStatus = meta["sip_status"];
    const method = from.operation;
    super(method, `SIP call failed: ${sipStatusCode ?? "?"}${sipStatus ? ` ${sipStatus}` : ""}`, {
      ...(from.status === undefined ? {} : { status: from.status }),
      ...(from.code === undefined ? {} : { code: from.code }),
      meta,
      retryable: false,
      cause: from,
    });
    this.sipStatusCode = sipStatusCode;
    this.sipStatus = sipStatus;
  }
}

/** How a failed SIP call ended, in the words Twilio's call statuses use (campaigns read them). */
export function sipCallOutcome(err: SipCallError): "busy" | "no-answer" | "failed" {
  const code = err.sipStatusCode;
  if (code === 486 || code === 600) return "busy";
  if (code === 480 || code === 408 || code === 487) return "no-answer";
  return "failed";
}

const sipDefaults = { timeoutMs: 10_000, serverTokenTtlS: 300, dialMarginS: 2 } as const;

const transportJson: Record<SipTransport, string | undefined> = {
  // SIP_TRANSPORT_AUTO is the enum's zero value: protobuf JSON leaves it out.
  auto: undefined,
  udp: "SIP_TRANSPORT_UDP",
  tcp: "SIP_TRANSPORT_TCP",
  tls: "SIP_TRANSPORT_TLS",
};
const transportOf = (v: string | number | undefined): SipTransport => {
  const byName: Record<string, SipTransport> = { SIP_TRANSPORT_UDP: "udp", SIP_TRANSPORT_TCP: "tcp", SIP_TRANSPORT_TLS: "tls", "1": "udp", "2": "tcp", "3": "tls" };
  return v === undefined ? "auto" : (byName[String(v)] ?? "auto");
};

type Json = string | number | boolean | Json[] | { [k: string]: Json };

/** Protobuf JSON leaves out default values ("" / false / 0 / empty lists and maps); so does the SDK. */
function compact(o: Record<string, Json | undefined>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === "" || v === false || v === 0) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}

const duration = (s: number): string => `${s}s`;

function inboundJson(t: SipInboundTrunkInput): Record<string, Json> {
  return compact({
    name: t.name,
    metadata: t.metadata,
    numbers: t.numbers,
    allowedAddresses: t.allowedAddresses,
    authUsername: t.authUsername,
    authPassword: t.authPassword,
    headersToAttributes: t.headersToAttributes,
  });
}

function outboundJson(t: SipOutboundTrunkInput): Record<string, Json> {
  return compact({
    name: t.name,
    metadata: t.metadata,
    address: t.address,
    transport: transportJson[t.transport],
    numbers: t.numbers,
    authUsername: t.authUsername,
    authPassword: t.authPassword,
  });
}

function ruleJson(r: SipDispatchRuleInput): Record<string, Json> {
  return compact({
    rule: { dispatchRuleIndividual: compact({ roomPrefix: r.roomPrefix }) },
    trunkIds: r.trunkIds,
    numbers: r.numbers,
    name: r.name,
    metadata: r.metadata,
    roomConfig: compact({ agents: r.agents.map((a) => compact({ agentName: a.agentName, metadata: a.metadata })) }),
  });
}

// Responses: LiveKit's protobuf JSON (camelCase; a server may send the proto names instead, which
// the SDK's fromJson also takes), zero values left out. Only map fields keep their keys as sent.
const mapFields = new Set(["headersToAttributes", "attributesToHeaders", "headers", "attributes", "participantAttributes"]);
const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
function camelize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelize);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), mapFields.has(camel(k)) ? x : camelize(x)]));
}

const str = text().default("");
const strs = z.array(text()).default([]);
const strMap = z.record(text(), text()).default({});

const InboundTrunkJson = z
  .object({ sipTrunkId: text().min(1), name: str, metadata: str, numbers: strs, allowedAddresses: strs, authUsername: str, headersToAttributes: strMap })
  .transform((t): SipInboundTrunk => t);
const OutboundTrunkJson = z
  .object({ sipTrunkId: text().min(1), name: str, metadata: str, address: str, transport: z.union([text(), z.number()]).optional(), numbers: strs, authUsername: str })
  .transform((t): SipOutboundTrunk => ({ ...t, transport: transportOf(t.transport) }));
const DispatchRuleJson = z
  .object({
    sipDispatchRuleId: text().min(1),
    name: str,
    metadata: str,
    trunkIds: strs,
    numbers: strs,
    rule: z.object({ dispatchRuleIndividual: z.object({ roomPrefix: str }).optional() }).optional(),
    roomConfig: z.object({ agents: z.array(z.object({ agentName: str, metadata: str })).default([]) }).optional(),
  })
  .transform(
    (r): SipDispatchRule => ({
      sipDispatchRuleId: r.sipDispatchRuleId,
      name: r.name,
      metadata: r.metadata,
      trunkIds: r.trunkIds,
      numbers: r.numbers,
      // A rule of another kind (direct, callee) made by hand has no individual prefix.
      roomPrefix: r.rule?.dispatchRuleIndividual?.roomPrefix ?? "",
      agents: r.roomConfig?.agents ?? [],
    }),
  );
const ParticipantJson = z.object({ participantId: str, participantIdentity: str, roomName: str, sipCallId: str });
const items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item).default([]) });
const anything = jsonValue();

const camelized = <T extends z.ZodType>(schema: T) => z.preprocess(camelize, schema);

export function liveKitSipClient(opts: LiveKitSipClientOptions): LiveKitSipClient {
  const origin = apiOrigin(opts.url);
  for (const [key, value] of [["apiKey", opts.apiKey], ["apiSecret", opts.apiSecret]] as const) {
    // An empty key would make AccessToken fall back to process.env, which the Worker never reads.
    if (!value) throw new TypeError(`LiveKit ${key} is required`);
  }
  const timeoutMs = opts.timeoutMs ?? sipDefaults.timeoutMs;
  // Wrapped, not stored bare: workerd rejects a `fetch` called with a foreign `this`.
  const injected = opts.fetchImpl;
  const fetchImpl: typeof fetch = injected ?? ((input, init) => fetch(input, init));

  // The SDK's grants per method: trunks and rules need SIP admin; calls need SIP call (and a
  // transfer the room's admin too).
  async function bearer(sip: { admin?: boolean; call?: boolean }, room?: string): Promise<string> {
    const at = new AccessToken(opts.apiKey, opts.apiSecret, { ttl: sipDefaults.serverTokenTtlS });
    // An empty video grant when no room is involved, as the SDK sends.
    at.addGrant(room === undefined ? {} : { roomAdmin: true, room });
    at.addSIPGrant(sip);
    return at.toJwt();
  }

  async function call<T>(method: string, body: Record<string, Json>, response: z.ZodType<T>, sip: { admin?: boolean; call?: boolean }, extra: { room?: string; timeoutMs?: number } = {}): Promise<T> {
    return twirpCall({
      fetchImpl,
      origin,
      service: "SIP",
      method,
      bearer: await bearer(sip, extra.room),
      body,
      response: camelized(response) as z.ZodType<T>,
      timeoutMs: extra.timeoutMs ?? timeoutMs,
    });
  }
  const admin = { admin: true };

  // A failed dial or transfer is a SipCallError when LiveKit says which SIP status ended it.
  async function dialing<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof LiveKitError && err.meta?.["sip_status_code"] !== undefined) throw new SipCallError(err);
      throw err;
    }
  }
  // The request waits for the callee to answer: at least the ringing time plus a margin.
  const dialTimeoutMs = (ringingS: number) => Math.max(timeoutMs, (ringingS + sipDefaults.dialMarginS) * 1000);

  return {
    async listInboundTrunks() {
      return (await call("ListSIPInboundTrunk", {}, items(InboundTrunkJson), admin)).items;
    },
    createInboundTrunk: (t) => call("CreateSIPInboundTrunk", { trunk: inboundJson(t) }, InboundTrunkJson, admin),
    updateInboundTrunk: (id, t) => call("UpdateSIPInboundTrunk", { sipTrunkId: id, replace: inboundJson(t) }, InboundTrunkJson, admin),
    async listOutboundTrunks() {
      return (await call("ListSIPOutboundTrunk", {}, items(OutboundTrunkJson), admin)).items;
    },
    createOutboundTrunk: (t) => call("CreateSIPOutboundTrunk", { trunk: outboundJson(t) }, OutboundTrunkJson, admin),
    updateOutboundTrunk: (id, t) => call("UpdateSIPOutboundTrunk", { sipTrunkId: id, replace: outboundJson(t) }, OutboundTrunkJson, admin),
    async deleteTrunk(id) {
      await call("DeleteSIPTrunk", { sipTrunkId: id }, anything, admin);
    },
    async listDispatchRules() {
      return (await call("ListSIPDispatchRule", {}, items(DispatchRuleJson), admin)).items;
    },
    // The rule goes in `dispatchRule` (SIPDispatchRuleInfo), the only form that takes `numbers`.
    createDispatchRule: (r) => call("CreateSIPDispatchRule", { dispatchRule: ruleJson(r) }, DispatchRuleJson, admin),
    updateDispatchRule: (id, r) => call("UpdateSIPDispatchRule", { sipDispatchRuleId: id, replace: ruleJson(r) }, DispatchRuleJson, admin),
    async deleteDispatchRule(id) {
      await call("DeleteSIPDispatchRule", { sipDispatchRuleId: id }, anything, admin);
    },
    createParticipant: (p) =>
      dialing(() =>
        call(
          "CreateSIPParticipant",
          compact({
            sipTrunkId: p.trunkId,
            sipCallTo: p.to,
            sipNumber: p.from,
            roomName: p.room,
            participantIdentity: p.identity,
            participantName: p.name,
            participantAttributes: p.attributes,
            ringingTimeout: duration(p.ringingTimeoutS),
            maxCallDuration: duration(p.maxCallDurationS),
            waitUntilAnswered: p.waitUntilAnswered,
          }),
          ParticipantJson,
          { call: true },
          p.waitUntilAnswered ? { timeoutMs: dialTimeoutMs(p.ringingTimeoutS) } : {},
        ),
      ),
    async transferParticipant(p) {
      const ringingS = 30; // the SDK's default; the REFER waits for the new party this long
      await dialing(() =>
        call(
          "TransferSIPParticipant",
          compact({ participantIdentity: p.identity, roomName: p.room, transferTo: p.transferTo, playDialtone: p.playDialtone, ringingTimeout: duration(ringingS) }),
          anything,
          { call: true },
          { room: p.room, timeoutMs: dialTimeoutMs(ringingS) },
        ),
      );
    },
  };
}
