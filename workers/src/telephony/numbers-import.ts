// Importing numbers a Twilio account holds: each is read from Twilio first (all of them, before
// anything changes), then pointed at this platform (VoiceUrl, StatusCallback, no TwiML App), its
// previous settings kept for the release. All or nothing: when Twilio fails on one number, the
// numbers already changed are put back and no row is written.
import type { Context } from "hono";
import { and, eq, inArray } from "drizzle-orm";
import { newId, toStorable, type FieldError, type ImportPhoneNumbersBody } from "@speaknode/contracts";
import { phoneNumbers, telephonyConnections } from "@speaknode/db";
import { countryOf, isE164 } from "@speaknode/phone";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { databaseErrorFields } from "../lib/db-error.ts";
import { log } from "../lib/log.ts";
import { twilioClientFor, twilioWebhookUrls, type ConnectionRow } from "./connections.ts";
import { isTwilioNotFound, storedCredentialsError } from "./provider-errors.ts";
import { platformFields, previousConfigOf, restoreFields, type PhoneNumberRow } from "./numbers.ts";
import type { TwilioClient, TwilioIncomingNumber } from "./twilio/client.ts";

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

/** Reads every chosen number from Twilio; a number Twilio does not know is a 400 naming it. */
async function readNumbers(client: TwilioClient, ids: string[]): Promise<TwilioIncomingNumber[]> {
  const numbers: TwilioIncomingNumber[] = [];
  const errors: FieldError[] = [];
  for (const [i, sid] of ids.entries()) {
    let n: TwilioIncomingNumber;
    try {
      n = await client.getIncomingNumber(sid);
    } catch (err) {
      if (!isTwilioNotFound(err)) throw storedCredentialsError(err);
      errors.push({ field: field(i), message: `the Twilio account has no number ${sid}` });
      continue;
    }
    if (!isE164(n.phone_number)) errors.push({ field: field(i), message: `Twilio's number ${sid} is not a phone number in E.164 form` });
    else if (n.capabilities?.voice === false) errors.push({ field: field(i), message: `Twilio's number ${sid} cannot take voice calls` });
    numbers.push(n);
  }
  if (errors.length > 0) throw new ApiError("validation_failed", "some numbers cannot be imported", { errors });
  return numbers;
}

/** Puts the numbers already changed back as they were; a failure here is logged, never thrown over the real error. */
async function restore(client: TwilioClient, connectionId: string, changed: TwilioIncomingNumber[]): Promise<void> {
  for (const n of changed) {
    try {
      await client.updateIncomingNumber(n.sid, restoreFields(previousConfigOf(n)));
    } catch (err) {
      log.error("telephony import rollback failed", { connectionId, providerNumberId: n.sid, errorName: err instanceof Error ? err.name : typeof err });
    }
  }
}

export async function importNumbers(c: Context<AppEnv>, spaceId: string, connection: ConnectionRow, body: ImportPhoneNumbersBody): Promise<PhoneNumberRow[]> {
  const ids = body.providerNumberIds;
  const repeated = ids.flatMap((sid, i) => (ids.indexOf(sid) !== i ? [{ field: field(i), message: `${sid} is listed more than once` }] : []));
  if (repeated.length > 0) throw new ApiError("validation_failed", "some numbers cannot be imported", { errors: repeated });
  const taken = await alreadyImported(c, connection, ids);
  if (taken.size > 0) throw new ApiError("conflict", `already imported: ${[...taken].join(", ")}; release a number before importing it again`);

  const client = await twilioClientFor(c.get("config"), connection);
  const numbers = await readNumbers(client, ids);
  const fields = platformFields(twilioWebhookUrls(c, connection.id));
  const changed: TwilioIncomingNumber[] = [];
  for (const [i, n] of numbers.entries()) {
    try {
      await client.updateIncomingNumber(n.sid, fields);
      changed.push(n);
    } catch (err) {
      await restore(client, connection.id, changed);
      if (isTwilioNotFound(err)) throw new ApiError("validation_failed", "some numbers cannot be imported", { errors: [{ field: field(i), message: `the Twilio account has no number ${n.sid}` }] });
      throw storedCredentialsError(err);
    }
  }

  const now = new Date();
  const values = numbers.map((n) => {
    const country = countryOf(n.phone_number);
    return {
      id: newId("phoneNumber"),
      spaceId,
      connectionId: connection.id,
      e164: n.phone_number,
      providerNumberId: n.sid,
      // Twilio's text, stored as it came except what Postgres cannot hold (NUL, lone surrogates).
      friendlyName: n.friendly_name ? toStorable(n.friendly_name.slice(0, 200)) : null,
      agentId: body.agentId ?? null,
      inboundEnabled: body.inboundEnabled ?? true,
      recordingEnabled: body.recordingEnabled ?? true,
      maxConcurrentCalls: body.maxConcurrentCalls ?? 5,
      // Outbound calls reach the number's own country unless the import says otherwise.
      allowedCountries: body.allowedCountries ?? (country ? [country] : []),
      previousConfig: toStorable(previousConfigOf(n)),
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
    await restore(client, connection.id, changed.filter((n) => !takenMeanwhile.has(n.sid)));
    if (raced) throw new ApiError("conflict", "one of these numbers was imported meanwhile; nothing was imported, try again");
    throw err;
  }
}
