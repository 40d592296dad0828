// Done for the user: a Twilio connection's numbers moved onto a Twilio Elastic SIP trunk whose
// origination reaches this deployment's LiveKit, with a LiveKit SIP connection over that trunk.
// At Twilio (trunking.ts): a trunk `speaknode-<short id>.pstn.twilio.com`, an origination URL
// `sip:<LIVEKIT_SIP_HOST>;transport=tcp`, a credential list with a platform-made username and
// password associated for termination (LiveKit's outbound trunk digests with it), and the chosen
// numbers attached (Twilio then routes their calls by the trunk, ignoring their voice URLs). Here:
// a livekit_sip connection (liveKitSipOps, so LiveKit's trunks and rules get provisioned) whose
// inbound trunk admits Twilio's documented signalling ranges, and the numbers' rows moved onto it in
// one transaction, so a number is never on two connections.
// Everything is found before it is made (trunk by domain, URL by SIP URL, list by friendly name,
// credential by username), so a re-run changes nothing. A failure part-way undoes what this request
// made at Twilio, in reverse, and writes nothing in Postgres.
import type { Context } from "hono";
import { and, eq, inArray, sql } from "drizzle-orm";
import { newId, type CreateLiveKitSipTrunkBody, type FieldError, type LiveKitSipTrunk } from "@speaknode/contracts";
import { phoneNumbers, telephonyConnections } from "@speaknode/db";
import type { AppEnv } from "../../context.ts";
import { ApiError } from "../../errors.ts";
import { databaseErrorFields } from "../../lib/db-error.ts";
import { log } from "../../lib/log.ts";
import { toTelephonyConnection } from "../connection-resource.ts";
import { twilioCredentials, type ConnectionRow } from "../connections.ts";
import { numbersOfConnection, toPhoneNumber, type PhoneNumberRow } from "../numbers.ts";
import { opsFor } from "../ops-registry.ts";
import { storedCredentialsError } from "../provider-errors.ts";
import { TwilioTrunkingClient, type TwilioTrunk } from "../twilio/trunking.ts";
import { liveKitSipOps } from "./ops.ts";
import { liveKitSipSettings, openLiveKitSipSecret } from "./settings.ts";

/**
 * Twilio's signalling gateways for Elastic SIP Trunking (origination comes from these), as
 * published at https://www.twilio.com/docs/sip-trunking/ip-addresses ("Regional signaling IP
 * gateways": North America Virginia and Oregon, Europe Ireland and Frankfurt, Asia Pacific Tokyo,
 * Singapore and Sydney, South America São Paulo). Twilio asks to allow all of them: a number's
 * calls may come through any edge when one is down.
 */
export const twilioSignallingRanges = [
  "54.172.60.0/30",
  "54.244.51.0/30",
  "54.171.127.192/30",
  "35.156.191.128/30",
  "54.65.63.192/30",
  "54.169.127.128/30",
  "54.252.254.64/30",
  "177.71.206.192/30",
] as const;

export interface TrunkNames {
  domainName: string;
  friendlyName: string;
  credentialListName: string;
  username: string;
  originationSipUrl: string;
}

/** The names a Twilio connection's trunk goes by: from the connection id's random part, lower case
 *  (a trunk domain takes letters, digits and "-"). */
export function trunkNames(connectionId: string, livekitSipHost: string): TrunkNames {
  const short = connectionId.slice(-12).toLowerCase();
  const name = `speaknode-${short}`;
  return { domainName: `${name}.pstn.twilio.com`, friendlyName: name, credentialListName: name, username: name, originationSipUrl: `sip:${livekitSipHost};transport=tcp` };
}

/** A termination password Twilio takes: ≥ 12 characters with a digit, a lower and an upper case letter. */
export function newTrunkPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const body = btoa(String.fromCharCode(...bytes)).replace(/[^A-Za-z0-9]/g, "");
  return `Sk${body}7`;
}

const field = (i: number) => `body.phoneNumberIds.${i}`;

interface Chosen {
  toMove: PhoneNumberRow[];
  alreadyMoved: PhoneNumberRow[];
}

async function chooseNumbers(c: Context<AppEnv>, twilio: ConnectionRow, existing: ConnectionRow | undefined, ids: string[]): Promise<Chosen> {
  if (ids.length === 0) return { toMove: [], alreadyMoved: [] };
  const rows = await c.get("db").select().from(phoneNumbers).where(and(inArray(phoneNumbers.id, ids), eq(phoneNumbers.spaceId, twilio.spaceId)));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const errors: FieldError[] = [];
  const chosen: Chosen = { toMove: [], alreadyMoved: [] };
  for (const [i, id] of ids.entries()) {
    const row = byId.get(id);
    if (ids.indexOf(id) !== i) errors.push({ field: field(i), message: "listed more than once" });
    else if (!row) errors.push({ field: field(i), message: "no phone number of this space has this id" });
    else if (row.connectionId === twilio.id) chosen.toMove.push(row);
    else if (existing && row.connectionId === existing.id) chosen.alreadyMoved.push(row);
    else errors.push({ field: field(i), message: "the number belongs to another connection" });
  }
  if (errors.length > 0) throw new ApiError("validation_failed", "some numbers cannot be moved onto the trunk", { errors });
  return chosen;
}

/** The space's connection of this name: this trunk's LiveKit SIP connection (a re-run), or a clash. */
async function existingConnection(c: Context<AppEnv>, twilio: ConnectionRow, name: string, domainName: string): Promise<ConnectionRow | undefined> {
  const [row] = await c.get("db").select().from(telephonyConnections).where(and(eq(telephonyConnections.spaceId, twilio.spaceId), eq(telephonyConnections.name, name)));
  if (!row) return undefined;
  if (row.provider === "livekit_sip" && liveKitSipSettings(row).outbound.address === domainName) return row;
  throw new ApiError("conflict", `another telephony connection of this space is already called "${name}"`);
}

type Undo = { what: string; run: () => Promise<void> };

/** What was made at Twilio, undone in reverse; a failure is logged, never thrown over the real error. */
async function undoAll(connectionId: string, undo: Undo[]): Promise<void> {
  for (const step of undo.reverse()) {
    try {
      await step.run();
    } catch (err) {
      log.error("telephony: undoing the Twilio trunk failed", { connectionId, step: step.what, errorName: err instanceof Error ? err.name : typeof err });
    }
  }
}

interface TwilioSide {
  trunk: TwilioTrunk;
  originationUrlSid: string;
  credentialListSid: string;
  /** The termination password when this request set one (null: the stored one stands). */
  password: string | null;
}

/** Finds or makes each piece at Twilio, recording how to undo what it makes. */
async function ensureTwilioSide(client: TwilioTrunkingClient, names: TrunkNames, storedPassword: string | null, toMove: PhoneNumberRow[], undo: Undo[]): Promise<TwilioSide> {
  let trunk = (await client.listTrunks()).find((t) => t.domain_name === names.domainName);
  let trunkMade = false;
  if (!trunk) {
    const made = await client.createTrunk({ friendlyName: names.friendlyName, domainName: names.domainName });
    trunk = made;
    trunkMade = true;
    // Deleting the trunk takes its URLs, list associations and numbers with it.
    undo.push({ what: "trunk", run: () => client.deleteTrunk(made.sid) });
  }
  const trunkSid = trunk.sid;
  const onTrunk = (step: Undo) => {
    if (!trunkMade) undo.push(step);
  };

  let url = (await client.listOriginationUrls(trunkSid)).find((u) => u.sip_url === names.originationSipUrl);
  if (!url) {
    const made = await client.createOriginationUrl(trunkSid, { friendlyName: "LiveKit", sipUrl: names.originationSipUrl, weight: 10, priority: 10, enabled: true });
    url = made;
    onTrunk({ what: "origination URL", run: () => client.deleteOriginationUrl(trunkSid, made.sid) });
  }

  let list = (await client.listCredentialLists()).find((l) => l.friendly_name === names.credentialListName);
  let password: string | null = null;
  if (!list) {
    const made = await client.createCredentialList(names.credentialListName);
    list = made;
    undo.push({ what: "credential list", run: () => client.deleteCredentialList(made.sid) });
  }
  const listSid = list.sid;
  const credential = (await client.listCredentials(listSid)).find((cr) => cr.username === names.username);
  if (!credential || storedPassword === null) {
    // Twilio keeps only a digest of the password: without the stored one, the credential is made anew.
    if (credential) await client.deleteCredential(listSid, credential.sid);
    password = storedPassword ?? newTrunkPassword();
    const made = await client.createCredential(listSid, { username: names.username, password });
    undo.push({ what: "credential", run: () => client.deleteCredential(listSid, made.sid) });
  }
  if (!(await client.listTrunkCredentialLists(trunkSid)).includes(listSid)) {
    await client.associateCredentialList(trunkSid, listSid);
    onTrunk({ what: "credential list association", run: () => client.dissociateCredentialList(trunkSid, listSid) });
  }

  const attached = new Set(toMove.length > 0 ? await client.listTrunkPhoneNumbers(trunkSid) : []);
  for (const n of toMove) {
    if (attached.has(n.providerNumberId)) continue;
    await client.addTrunkPhoneNumber(trunkSid, n.providerNumberId);
    onTrunk({ what: "number", run: () => client.removeTrunkPhoneNumber(trunkSid, n.providerNumberId) });
  }
  return { trunk, originationUrlSid: url.sid, credentialListSid: listSid, password };
}

export interface TrunkOutcome {
  created: boolean;
  result: LiveKitSipTrunk;
}

/** Moves a Twilio connection's chosen numbers onto a trunk toward LiveKit (see the top of the file). */
export async function twilioTrunkToLiveKit(c: Context<AppEnv>, twilio: ConnectionRow, body: CreateLiveKitSipTrunkBody): Promise<TrunkOutcome> {
  const config = c.get("config");
  const host = config.telephony.livekitSipHost;
  if (!host) throw new ApiError("conflict", "LIVEKIT_SIP_HOST must be set (LiveKit's SIP endpoint host) before Twilio calls can be sent to LiveKit over a SIP trunk");
  if (twilio.provider !== "twilio") throw new ApiError("conflict", "only a Twilio connection can be given an Elastic SIP trunk");
  const names = trunkNames(twilio.id, host);
  const existing = await existingConnection(c, twilio, body.name, names.domainName);
  const { toMove, alreadyMoved } = await chooseNumbers(c, twilio, existing, body.phoneNumberIds);
  const storedPassword = existing ? (await openLiveKitSipSecret(config.secretsKey, existing)).outboundAuthPassword : null;

  const client = new TwilioTrunkingClient({ apiBaseUrl: config.telephony.twilioApiBaseUrl, credentials: await twilioCredentials(config.secretsKey, twilio), timeoutMs: config.telephony.timeoutMs });
  const undo: Undo[] = [];
  let side: TwilioSide;
  try {
    side = await ensureTwilioSide(client, names, storedPassword, toMove, undo);
  } catch (err) {
    await undoAll(twilio.id, undo);
    throw storedCredentialsError(err);
  }

  const db = c.get("db");
  const movedE164 = toMove.map((n) => n.e164);
  let connection: ConnectionRow;
  try {
    // The columns are made before the transaction: the ops read through the request's db, which a
    // transaction holding the connection would wait for.
    const p = c.get("principal");
    const id = existing?.id ?? newId("telephonyConnection");
    const created = !existing
      ? await liveKitSipOps.create(c, id, {
          provider: "livekit_sip",
          name: body.name,
          outbound: { address: names.domainName, transport: "tcp", authUsername: names.username, authPassword: side.password ?? newTrunkPassword() },
          inbound: { allowedAddresses: [...twilioSignallingRanges] },
          numbers: movedE164,
        })
      : null;
    // A re-run: the same settings with the moved numbers added (and the new password when the credential was made anew).
    const patch =
      existing && (movedE164.length > 0 || side.password !== null)
        ? await liveKitSipOps.update(c, existing, {
            outbound: { address: names.domainName, transport: "tcp", authUsername: names.username, ...(side.password !== null ? { authPassword: side.password } : {}) },
            numbers: [...liveKitSipSettings(existing).numbers, ...movedE164],
          })
        : null;
    connection = await db.transaction(async (tx) => {
      let row = existing;
      if (!row && created) {
        const [inserted] = await tx
          .insert(telephonyConnections)
          .values({ id, spaceId: twilio.spaceId, provider: "livekit_sip", name: body.name, ...created, createdBy: p.type === "user" ? p.userId : null })
          .onConflictDoNothing()
          .returning();
        if (!inserted) throw new ApiError("conflict", `another telephony connection of this space is already called "${body.name}"`);
        row = inserted;
      } else if (row && patch) {
        const [updated] = await tx
          .update(telephonyConnections)
          .set({ ...patch, version: sql`${telephonyConnections.version} + 1`, updatedAt: new Date() })
          .where(eq(telephonyConnections.id, row.id))
          .returning();
        if (!updated) throw new ApiError("conflict", "the LiveKit SIP connection was deleted meanwhile; try again");
        row = updated;
      }
      if (!row) throw new Error("unreachable: a connection is either found or created");
      for (const n of toMove) {
        // The row moves (its id, agent and settings stay); its LiveKit SIP id is the E.164 number.
        const moved = await tx
          .update(phoneNumbers)
          .set({ connectionId: row.id, providerNumberId: n.e164, providerState: { twilioTrunk: { trunkSid: side.trunk.sid, phoneNumberSid: n.providerNumberId } }, updatedAt: new Date() })
          .where(and(eq(phoneNumbers.id, n.id), eq(phoneNumbers.connectionId, twilio.id)))
          .returning({ id: phoneNumbers.id });
        if (moved.length === 0) throw new ApiError("conflict", "a chosen number was released or moved meanwhile; nothing was changed, try again");
      }
      return row;
    });
  } catch (err) {
    await undoAll(twilio.id, undo);
    // A unique index settling a race (the name, or a number taken meanwhile): nothing was written.
    if (databaseErrorFields(err)?.code === "23505") throw new ApiError("conflict", "the connection's name or one of the numbers was taken meanwhile; nothing was changed, try again");
    throw err;
  }

  const changed = undo.length > 0 || !existing || toMove.length > 0 || side.password !== null;
  if (changed) {
    // The Twilio connection's LiveKit rules for the moved numbers go first: LiveKit refuses a number on two inbound trunks.
    await opsFor("twilio").afterChange?.(c, twilio);
    await liveKitSipOps.afterChange?.(c, connection);
    log.info("telephony: Twilio SIP trunk toward LiveKit ready", { requestId: c.get("requestId"), connectionId: twilio.id, livekitConnectionId: connection.id, trunkSid: side.trunk.sid, moved: toMove.length });
  }
  const [synced] = await db.select().from(telephonyConnections).where(eq(telephonyConnections.id, connection.id));
  const numbers = await numbersOfConnection(db, connection.id);
  const wanted = new Set([...toMove, ...alreadyMoved].map((n) => n.id));
  return {
    created: !existing,
    result: {
      connection: await toTelephonyConnection(c, synced ?? connection, numbers.length),
      twilioTrunk: { sid: side.trunk.sid, domainName: names.domainName, originationSipUrl: names.originationSipUrl, credentialListSid: side.credentialListSid },
      phoneNumbers: numbers.filter((n) => wanted.has(n.id)).map((n) => toPhoneNumber(n, "livekit_sip")),
      changed,
    },
  };
}
