// What each telephony provider does for the connection and number routes, behind one interface:
// the routes (telephony-connections-*, phone-numbers-*) dispatch on the connection's provider and
// never know a provider's API. One implementation per provider: twilio/ops.ts, voximplant/ops.ts,
// livekit-sip/ops.ts; the map is `connectionOps` in ops-registry.ts.
import type { Context } from "hono";
import type { ConnectionHealth, CreateTelephonyConnectionBody, TelephonyConnection, UpdateTelephonyConnectionBody } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import type { ConnectionRow } from "./connections.ts";
import type { PhoneNumberRow } from "./numbers.ts";

export type CreateBodyOf<P extends ConnectionRow["provider"]> = Extract<CreateTelephonyConnectionBody, { provider: P }>;

/** The columns a connection's provider fills: its public account id, the sealed secret and its hint, settings. */
export interface ConnectionColumns {
  accountId: string;
  secret: string;
  secretHint: string;
  settings: Record<string, unknown>;
}

/** A number the provider holds, offered for import (ProviderPhoneNumber without the import mark). */
export interface ProviderNumber {
  providerNumberId: string;
  e164: string;
  friendlyName: string | null;
  /** Where the provider sends its calls now, when the provider has such a setting. */
  voiceUrl: string | null;
}

/** A number the provider now routes to the platform, with what to put back when it is released. */
export interface ClaimedNumber {
  providerNumberId: string;
  e164: string;
  friendlyName: string | null;
  previousConfig: Record<string, string | null>;
}

export interface ConnectionOps<P extends ConnectionRow["provider"] = ConnectionRow["provider"]> {
  readonly provider: P;
  /** Checks the credentials with the provider (a field error naming what is wrong), then seals
   *  them for the new connection `id`. Nothing is stored by this call. */
  create(c: Context<AppEnv>, id: string, body: CreateBodyOf<P>): Promise<ConnectionColumns>;
  /** The columns an update changes (after checking new credentials); fields of another provider
   *  are refused with a 400 field error before anything is asked. */
  update(c: Context<AppEnv>, row: ConnectionRow, patch: UpdateTelephonyConnectionBody): Promise<Partial<ConnectionColumns>>;
  /** The provider-specific part of the API's view. */
  view(c: Context<AppEnv>, row: ConnectionRow): Promise<Pick<TelephonyConnection, "authType" | "voximplant" | "livekitSip">>;
  /** Each thing the platform needs from the provider, tried now (never throws for a provider failure). */
  health(c: Context<AppEnv>, row: ConnectionRow): Promise<ConnectionHealth["checks"]>;
  /** A page of the numbers the account holds. */
  listNumbers(c: Context<AppEnv>, row: ConnectionRow, pageToken: string | null): Promise<{ numbers: ProviderNumber[]; nextPageToken: string | null }>;
  /** Points these numbers at the platform, all or nothing (on a failure, what was changed is put
   *  back before the error is thrown). A number the account does not hold is a 400 naming
   *  `body.providerNumberIds.<i>`. */
  claimNumbers(c: Context<AppEnv>, row: ConnectionRow, providerNumberIds: string[]): Promise<ClaimedNumber[]>;
  /** Gives the number back as it was before the import; a number the provider no longer has is not an error. */
  releaseNumber(c: Context<AppEnv>, row: ConnectionRow, number: PhoneNumberRow): Promise<void>;
  /** After the connection or its numbers changed (LiveKit SIP: trunks and dispatch rules are
   *  reconciled). Never throws: a failed sync is recorded and shown. */
  afterChange?(c: Context<AppEnv>, row: ConnectionRow): Promise<void>;
}
