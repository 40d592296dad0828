// Makes LiveKit hold what the platform wants for one connection, and nothing else of it: its
// inbound trunk, its outbound trunk, and one dispatch rule per number that takes calls. Ours are
// found by listing (trunk names `speaknode:<connectionId>:in|out`, rules carrying our
// SipDispatchMetadata), so the database needs no ids to be right. Idempotent: what already matches
// is left alone (a trunk's metadata carries a fingerprint of everything sent, its passwords
// included, because LiveKit does not list passwords back). Each step's failure is recorded and
// the others still run; only a failed listing stops the run.
import { SipDispatchMetadata } from "@speaknode/contracts";
import { LiveKitError, type LiveKitSipClient, type SipDispatchRule, type SipDispatchRuleInput, type SipInboundTrunk, type SipInboundTrunkInput, type SipOutboundTrunk, type SipOutboundTrunkInput } from "./client.ts";
import type { NumberSipState } from "./state.ts";

export const trunkName = (connectionId: string, kind: "in" | "out") => `speaknode:${connectionId}:${kind}`;
export const ruleName = (phoneNumberId: string) => `speaknode:${phoneNumberId}`;
/** Rooms of calls the rules dispatch: one per call. */
export const sipRoomPrefix = "call-";

export type TrunkSpec<T> = Omit<T, "name" | "metadata">;

export interface DesiredNumber {
  phoneNumberId: string;
  e164: string;
  /** An agent is bound and inbound calls are on: the number gets a dispatch rule. */
  dispatch: boolean;
}

export interface DesiredSip {
  connectionId: string;
  agentName: string;
  /** null: no inbound trunk (no number takes calls). */
  inbound: TrunkSpec<SipInboundTrunkInput> | null;
  outbound: TrunkSpec<SipOutboundTrunkInput> | null;
  numbers: DesiredNumber[];
}

export interface ReconcileResult {
  inboundTrunkId: string | null;
  outboundTrunkId: string | null;
  numbers: Map<string, NumberSipState>;
  /** What went wrong, in words for the dashboard; empty when all is in sync. */
  failures: string[];
}

const why = (err: unknown) => (err instanceof LiveKitError ? err.message.replace(/^LiveKit /, "") : err instanceof Error ? err.message : String(err));

async function fingerprint(value: unknown): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(value)));
  return [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join("\n") === [...b].sort().join("\n");
const sameMap = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

function sameRule(actual: SipDispatchRule, want: SipDispatchRuleInput): boolean {
  return (
    actual.name === want.name &&
    actual.metadata === want.metadata &&
    actual.roomPrefix === want.roomPrefix &&
    sameSet(actual.trunkIds, want.trunkIds) &&
    sameSet(actual.numbers, want.numbers) &&
    JSON.stringify(actual.agents) === JSON.stringify(want.agents)
  );
}

/** The connection id a rule of ours belongs to, from its metadata; undefined for anyone else's rule. */
function ruleConnection(rule: SipDispatchRule): string | undefined {
  try {
    const parsed = SipDispatchMetadata.safeParse(JSON.parse(rule.metadata));
    return parsed.success ? parsed.data.connectionId : undefined;
  } catch {
    return undefined;
  }
}

interface TrunkOps<I, T extends { sipTrunkId: string; name: string; metadata: string }> {
  kind: "in" | "out";
  label: string;
  existing: T[];
  create(t: I): Promise<T>;
  update(id: string, t: I): Promise<T>;
  same(actual: T, want: I): boolean;
}

async function ensureTrunk<I extends { name: string; metadata: string }, T extends { sipTrunkId: string; name: string; metadata: string }>(
  client: LiveKitSipClient,
  connectionId: string,
  spec: Omit<I, "name" | "metadata"> | null,
  ops: TrunkOps<I, T>,
  failures: string[],
): Promise<string | null> {
  const name = trunkName(connectionId, ops.kind);
  const mine = ops.existing.filter((t) => t.name === name);
  const [keep, ...extra] = spec ? mine : [];
  // Extras (a sync that raced another) and trunks no longer wanted go.
  for (const t of spec ? extra : mine) {
    try {
      await client.deleteTrunk(t.sipTrunkId);
    } catch (err) {
      failures.push(`the old ${ops.label} ${t.sipTrunkId} could not be deleted: ${why(err)}`);
    }
  }
  if (!spec) return null;
  const want = { ...spec, name, metadata: JSON.stringify({ speaknode: { connectionId, kind: ops.kind, fingerprint: await fingerprint(spec) } }) } as I;
  try {
    if (!keep) return (await ops.create(want)).sipTrunkId;
    if (!ops.same(keep, want)) await ops.update(keep.sipTrunkId, want);
    return keep.sipTrunkId;
  } catch (err) {
    failures.push(`LiveKit refused the ${ops.label}: ${why(err)}`);
    return keep?.sipTrunkId ?? null;
  }
}

/** Makes LiveKit match `desired`; `null` removes everything of the connection (it is being deleted). */
export async function reconcileSip(client: LiveKitSipClient, connectionId: string, desired: DesiredSip | null): Promise<ReconcileResult> {
  const failures: string[] = [];
  const [inboundTrunks, outboundTrunks, rules] = await Promise.all([client.listInboundTrunks(), client.listOutboundTrunks(), client.listDispatchRules()]);

  const ourRules = rules.filter((r) => ruleConnection(r) === connectionId);
  const numbers = new Map<string, NumberSipState>();
  // Rules of released numbers, unbound agents and duplicates go first: a stale rule for a number
  // would conflict with its new one (LiveKit refuses two rules for one trunk and number).
  const wanted = new Set((desired?.numbers ?? []).filter((n) => n.dispatch).map((n) => ruleName(n.phoneNumberId)));
  const current = new Map<string, SipDispatchRule>();
  for (const r of ourRules) {
    if (wanted.has(r.name) && !current.has(r.name)) {
      current.set(r.name, r);
      continue;
    }
    try {
      await client.deleteDispatchRule(r.sipDispatchRuleId);
    } catch (err) {
      failures.push(`the old dispatch rule ${r.sipDispatchRuleId} could not be deleted: ${why(err)}`);
    }
  }

  const inboundTrunkId = await ensureTrunk<SipInboundTrunkInput, SipInboundTrunk>(client, connectionId, desired?.inbound ?? null, {
    kind: "in",
    label: "inbound trunk",
    existing: inboundTrunks,
    create: (t) => client.createInboundTrunk(t),
    update: (id, t) => client.updateInboundTrunk(id, t),
    same: (a, w) => a.metadata === w.metadata && sameSet(a.numbers, w.numbers) && sameSet(a.allowedAddresses, w.allowedAddresses) && a.authUsername === (w.authUsername ?? "") && sameMap(a.headersToAttributes, w.headersToAttributes),
  }, failures);

  for (const n of desired?.numbers ?? []) {
    if (!n.dispatch) {
      numbers.set(n.phoneNumberId, { status: "synced", dispatchRuleId: null, detail: "no dispatch rule: the number has no agent or takes no inbound calls" });
      continue;
    }
    if (!inboundTrunkId) {
      numbers.set(n.phoneNumberId, { status: "failed", dispatchRuleId: null, detail: "the connection's inbound trunk is missing at LiveKit" });
      continue;
    }
    const metadata = JSON.stringify({ kind: "speaknode.sip", phoneNumberId: n.phoneNumberId, connectionId } satisfies SipDispatchMetadata);
    const want: SipDispatchRuleInput = {
      name: ruleName(n.phoneNumberId),
      metadata,
      trunkIds: [inboundTrunkId],
      numbers: [n.e164],
      roomPrefix: sipRoomPrefix,
      agents: [{ agentName: desired?.agentName ?? "", metadata }],
    };
    const existing = current.get(want.name);
    try {
      let id = existing?.sipDispatchRuleId;
      if (!existing) id = (await client.createDispatchRule(want)).sipDispatchRuleId;
      else if (!sameRule(existing, want)) await client.updateDispatchRule(existing.sipDispatchRuleId, want);
      numbers.set(n.phoneNumberId, { status: "synced", dispatchRuleId: id ?? null, detail: null });
    } catch (err) {
      const detail = `LiveKit refused the dispatch rule: ${why(err)}`;
      failures.push(`${n.e164}: ${detail}`);
      numbers.set(n.phoneNumberId, { status: "failed", dispatchRuleId: existing?.sipDispatchRuleId ?? null, detail });
    }
  }

  const outboundTrunkId = await ensureTrunk<SipOutboundTrunkInput, SipOutboundTrunk>(client, connectionId, desired?.outbound ?? null, {
    kind: "out",
    label: "outbound trunk",
    existing: outboundTrunks,
    create: (t) => client.createOutboundTrunk(t),
    update: (id, t) => client.updateOutboundTrunk(id, t),
    same: (a, w) => a.metadata === w.metadata && a.address === w.address && a.transport === w.transport && sameSet(a.numbers, w.numbers) && a.authUsername === (w.authUsername ?? ""),
  }, failures);

  return { inboundTrunkId, outboundTrunkId, numbers, failures };
}
