// Provisioning at LiveKit for a connection whose calls go through LiveKit SIP: a LiveKit SIP
// connection (inbound trunk from the provider's addresses, outbound trunk to its termination
// host), or a Twilio connection when the deployment names LiveKit's SIP host (an inbound trunk
// that Twilio's <Dial><Sip> reaches with platform-made digest credentials). Each number that takes
// calls gets a dispatch rule. The outcome is written to provider_state for the API; a failure is
// recorded there in words, never thrown (the route that changed something has already succeeded).
import { eq } from "drizzle-orm";
import { sipSessionAttribute, sipSessionHeader, sipTokenAttribute, sipTokenHeader, type SipSync } from "@speaknode/contracts";
import { phoneNumbers, telephonyConnections, type Database } from "@speaknode/db";
import type { Config } from "../../config.ts";
import { log } from "../../lib/log.ts";
import type { ConnectionRow } from "../connections.ts";
import type { PhoneNumberRow } from "../numbers.ts";
import { liveKitSipClient, type LiveKitSipClient } from "./client.ts";
import { reconcileSip, type DesiredSip } from "./reconcile.ts";
import { liveKitSipSettings, openLiveKitSipSecret } from "./settings.ts";
import { newSipAuth, twilioSipAuth, type SipDigest } from "./sip-auth.ts";
import { connectionSipState, sipSyncOf, type NumberSipState } from "./state.ts";

export interface SipProvisionDeps {
  db: Database;
  config: Config;
  /** Tests: a LiveKit double instead of the configured server. */
  client?: LiveKitSipClient;
}

export const noLiveKitDetail = "this deployment has no LiveKit (MEDIA_DRIVER=local)";

/** Sent on calls into the inbound trunk (Twilio's <Dial><Sip>); the runtime reads the attributes. */
const headersToAttributes = { [sipSessionHeader]: sipSessionAttribute, [sipTokenHeader]: sipTokenAttribute };

/** Whether the connection's calls go through LiveKit SIP in this deployment at all. */
export function usesLiveKitSip(config: Config, row: Pick<ConnectionRow, "provider">): boolean {
  if (row.provider === "livekit_sip") return true;
  return row.provider === "twilio" && config.runtime.livekit !== undefined && config.telephony.livekitSipHost !== undefined;
}

export function sipClientFor(config: Config): LiveKitSipClient | undefined {
  const lk = config.runtime.livekit;
  return lk ? liveKitSipClient({ url: lk.url, apiKey: lk.apiKey, apiSecret: lk.apiSecret }) : undefined;
}

async function desiredFor(deps: SipProvisionDeps, row: ConnectionRow, numbers: PhoneNumberRow[], agentName: string, digest: SipDigest | null): Promise<DesiredSip> {
  // One order whatever the query plan: the rows come in e164 order through the (connection, e164)
  // index but in heap order from a sequential scan (a small table), and the trunk's fingerprint
  // hashes the list, so another order would update the trunk on a run that changes nothing.
  const taking = numbers.filter((n) => n.inboundEnabled).sort((a, b) => (a.e164 < b.e164 ? -1 : a.e164 > b.e164 ? 1 : 0));
  const desiredNumbers = numbers.map((n) => ({ phoneNumberId: n.id, e164: n.e164, dispatch: n.inboundEnabled && n.agentId !== null }));
  if (row.provider === "twilio") {
    return {
      connectionId: row.id,
      agentName,
      inbound: taking.length === 0 || !digest ? null : { numbers: taking.map((n) => n.e164), allowedAddresses: [], authUsername: digest.username, authPassword: digest.password, headersToAttributes },
      outbound: null,
      numbers: desiredNumbers,
    };
  }
  const settings = liveKitSipSettings(row);
  const secret = await openLiveKitSipSecret(deps.config.secretsKey, row);
  return {
    connectionId: row.id,
    agentName,
    // An inbound trunk without numbers would take calls to any number: none until one takes calls.
    inbound:
      taking.length === 0
        ? null
        : {
            numbers: taking.map((n) => n.e164),
            allowedAddresses: settings.inbound.allowedAddresses,
            authUsername: settings.inbound.authUsername ?? undefined,
            authPassword: secret.inboundAuthPassword ?? undefined,
            headersToAttributes,
          },
    outbound: {
      address: settings.outbound.address,
      transport: settings.outbound.transport,
      numbers: settings.numbers,
      authUsername: settings.outbound.authUsername ?? undefined,
      authPassword: secret.outboundAuthPassword ?? undefined,
    },
    numbers: desiredNumbers,
  };
}

async function writeState(db: Database, row: ConnectionRow, patch: Record<string, unknown>, numbers: PhoneNumberRow[], states: Map<string, NumberSipState | undefined>): Promise<void> {
  await db
    .update(telephonyConnections)
    .set({ providerState: { ...row.providerState, ...patch } })
    .where(eq(telephonyConnections.id, row.id));
  for (const n of numbers) {
    if (!states.has(n.id)) continue;
    const { sip: _old, ...rest } = n.providerState;
    const state = states.get(n.id);
    const next = state ? { ...rest, sip: state } : rest;
    if (JSON.stringify(next) === JSON.stringify(n.providerState)) continue;
    await db.update(phoneNumbers).set({ providerState: next }).where(eq(phoneNumbers.id, n.id));
  }
}

/**
 * Reconciles the connection at LiveKit and records the outcome (connection `sync`, each number's
 * `sip`). Never throws: a failure (LiveKit unreachable, a refused trunk or rule) is recorded as
 * status "failed" with a detail, and logged.
 */
export async function syncConnectionSip(deps: SipProvisionDeps, connectionId: string): Promise<SipSync | null> {
  try {
    return await sync(deps, connectionId);
  } catch (err) {
    log.error("telephony: LiveKit SIP sync failed", { connectionId, errorName: err instanceof Error ? err.name : typeof err });
    try {
      const [row] = await deps.db.select().from(telephonyConnections).where(eq(telephonyConnections.id, connectionId));
      if (!row) return null;
      const detail = `LiveKit could not be synced: ${err instanceof Error ? err.message : String(err)}`;
      const syncState = { ...(connectionSipState(row.providerState).sync ?? { syncedAt: null }), status: "failed" as const, detail };
      await writeState(deps.db, row, { sync: syncState }, [], new Map());
      return sipSyncOf({ ...row.providerState, sync: syncState });
    } catch {
      return null;
    }
  }
}

async function sync(deps: SipProvisionDeps, connectionId: string): Promise<SipSync | null> {
  const { db, config } = deps;
  const [row] = await db.select().from(telephonyConnections).where(eq(telephonyConnections.id, connectionId));
  if (!row) return null;
  const numbers = await db.select().from(phoneNumbers).where(eq(phoneNumbers.connectionId, row.id));
  const lk = config.runtime.livekit;
  if (!usesLiveKitSip(config, row) || !lk) {
    if (row.provider !== "livekit_sip") {
      // A Twilio connection answers with Media Streams here: its numbers show no SIP state.
      await writeState(db, row, {}, numbers, new Map(numbers.map((n) => [n.id, undefined])));
      return null;
    }
    const off = { status: "off" as const, syncedAt: null, detail: noLiveKitDetail };
    await writeState(db, row, { sync: off }, numbers, new Map(numbers.map((n) => [n.id, { status: "off", dispatchRuleId: null, detail: noLiveKitDetail }])));
    return sipSyncOf({ ...row.providerState, sync: off });
  }
  const client = deps.client ?? liveKitSipClient({ url: lk.url, apiKey: lk.apiKey, apiSecret: lk.apiSecret });

  let patch: Record<string, unknown> = {};
  let digest: SipDigest | null = null;
  if (row.provider === "twilio") {
    digest = await twilioSipAuth(config, row);
    if (!digest) {
      const made = await newSipAuth(config.secretsKey, row.id);
      digest = made.digest;
      patch = { sipAuth: made.sealed };
    }
  }
  const result = await reconcileSip(client, row.id, await desiredFor(deps, row, numbers, lk.agentName, digest));
  const failed = result.failures.length > 0;
  const syncState = {
    status: failed ? ("failed" as const) : ("synced" as const),
    syncedAt: new Date().toISOString(),
    detail: failed ? result.failures.join("; ").slice(0, 1000) : null,
  };
  patch = { ...patch, sync: syncState, inboundTrunkId: result.inboundTrunkId, outboundTrunkId: result.outboundTrunkId };
  await writeState(db, row, patch, numbers, result.numbers);
  if (failed) log.warn("telephony: LiveKit SIP sync incomplete", { connectionId: row.id, failures: result.failures.length });
  return sipSyncOf({ ...row.providerState, ...patch });
}

/** Before a connection is deleted: its rules and trunks leave LiveKit. Throws when LiveKit could not
 *  be reached or refused (the caller keeps the connection, so nothing is left orphaned at LiveKit). */
export async function removeConnectionSip(deps: SipProvisionDeps, row: ConnectionRow): Promise<void> {
  const lk = deps.config.runtime.livekit;
  if (!lk || !usesLiveKitSip(deps.config, row)) return;
  const client = deps.client ?? liveKitSipClient({ url: lk.url, apiKey: lk.apiKey, apiSecret: lk.apiSecret });
  const result = await reconcileSip(client, row.id, null);
  if (result.failures.length > 0) throw new Error(result.failures.join("; "));
}
