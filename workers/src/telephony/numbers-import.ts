// Importing numbers a connection's provider holds: the provider's ops claim them (Twilio: each read
// first, then pointed at this platform, its previous settings kept for the release; LiveKit SIP:
// numbers of the trunk's list), all or nothing; then the rows are written. When the insert fails,
// the claimed numbers are given back.
import type { Context } from "hono";
import { and, eq, inArray } from "drizzle-orm";
import { newId, toStorable, type ImportPhoneNumbersBody } from "@speaknode/contracts";
import { phoneNumbers, telephonyConnections } from "@speaknode/db";
import { countryOf } from "@speaknode/phone";
import type { AppEnv } from "../context.ts";
import { requirePlan } from "../billing/admission.ts";
import { ApiError } from "../errors.ts";
import { databaseErrorFields } from "../lib/db-error.ts";
import { log } from "../lib/log.ts";
import type { ConnectionRow } from "./connections.ts";
import type { PhoneNumberRow } from "./numbers.ts";
import { opsFor } from "./ops-registry.ts";
import type { ClaimedNumber } from "./provider-ops.ts";

const field = (i: number) => `body.providerNumberIds.${i}`;

/** Numbers of these provider ids already imported from the same provider account, in any space. */
async function alreadyImported(c: Context<AppEnv>, connection: ConnectionRow, ids: string[]): Promise<Set<string>> {
  const rows = await c
    .get("db")
    .select({ providerNumberId: phoneNumbers.providerNumberId })
    .from(phoneNumbers)
    .innerJoin(telephonyConnections, eq(telephonyConnections.id, phoneNumbers.connectionId))
    .where(and(eq(telephonyConnections.provider, connection.provider), eq(telephonyConnections.accountId, connection.accountId), inArray(phoneNumbers.providerNumberId, ids)));
  return new Set(rows.map((r) => r.providerNumberId));
}

/** Gives claimed numbers back; a failure here is logged, never thrown over the real error. */
async function giveBack(c: Context<AppEnv>, connection: ConnectionRow, claimed: ClaimedNumber[]): Promise<void> {
  const ops = opsFor(connection.provider);
  const now = new Date();
  for (const n of claimed) {
    const row: PhoneNumberRow = { id: "", spaceId: connection.spaceId, connectionId: connection.id, e164: n.e164, providerNumberId: n.providerNumberId, friendlyName: n.friendlyName, agentId: null, inboundEnabled: false, recordingEnabled: false, maxConcurrentCalls: 1, allowedCountries: [], callerName: null, previousConfig: n.previousConfig, providerState: {}, createdAt: now, updatedAt: now };
    try {
      await ops.releaseNumber(c, connection, row);
    } catch (err) {
      log.error("telephony import rollback failed", { connectionId: connection.id, providerNumberId: n.providerNumberId, errorName: err instanceof Error ? err.name : typeof err });
    }
  }
}

export async function importNumbers(c: Context<AppEnv>, spaceId: string, connection: ConnectionRow, body: ImportPhoneNumbersBody): Promise<PhoneNumberRow[]> {
  const ids = body.providerNumberIds;
  const repeated = ids.flatMap((sid, i) => (ids.indexOf(sid) !== i ? [{ field: field(i), message: `${sid} is listed more than once` }] : []));
  if (repeated.length > 0) throw new ApiError("validation_failed", "some numbers cannot be imported", { errors: repeated });
  const taken = await alreadyImported(c, connection, ids);
  if (taken.size > 0) throw new ApiError("conflict", `already imported: ${[...taken].join(", ")}; release a number before importing it again`);

  // Before the provider is asked: the plan must include telephony and room for every number.
  await requirePlan(c, spaceId, [{ feature: "telephony" }, { limit: "phoneNumbers", adding: ids.length }]);

  // All or nothing at the provider: claimNumbers puts back what it changed when it fails.
  const claimed = await opsFor(connection.provider).claimNumbers(c, connection, ids);
  const now = new Date();
  const values = claimed.map((n) => {
    const country = countryOf(n.e164);
    return {
      id: newId("phoneNumber"),
      spaceId,
      connectionId: connection.id,
      e164: n.e164,
      providerNumberId: n.providerNumberId,
      // The provider's text, stored as it came except what Postgres cannot hold (NUL, lone surrogates).
      friendlyName: n.friendlyName ? toStorable(n.friendlyName.slice(0, 200)) : null,
      agentId: body.agentId ?? null,
      inboundEnabled: body.inboundEnabled ?? true,
      recordingEnabled: body.recordingEnabled ?? true,
      maxConcurrentCalls: body.maxConcurrentCalls ?? 5,
      // Outbound calls reach the number's own country unless the import says otherwise.
      allowedCountries: body.allowedCountries ?? (country ? [country] : []),
      previousConfig: toStorable(n.previousConfig),
      createdAt: now,
      updatedAt: now,
    };
  });
  try {
    return await c.get("db").insert(phoneNumbers).values(values).returning();
  } catch (err) {
    const raced = databaseErrorFields(err)?.code === "23505";
    // A number another import took meanwhile points at this platform for that import: left alone.
    const takenMeanwhile = raced ? await alreadyImported(c, connection, ids) : new Set<string>();
    await giveBack(c, connection, claimed.filter((n) => !takenMeanwhile.has(n.providerNumberId)));
    if (raced) throw new ApiError("conflict", "one of these numbers was imported meanwhile; nothing was imported, try again");
    throw err;
  }
}
