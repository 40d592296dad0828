// Telephony: a space's provider connections (Twilio now; VoxImplant and LiveKit SIP join the same
// resource later, each a variant of the `provider` union), the phone numbers imported from them,
// outbound calls, and the phone facts of a session. Provider secrets are write-only (never
// returned; `secretHint` tells connections apart). Numbers are E.164 everywhere (@speaknode/phone).
import { z } from "zod";
import { idSchema, Timestamp } from "./ids.ts";
import { text } from "./text.ts";
import { patchShape } from "./patch.ts";
import { LanguageTag } from "./agents.ts";
import { CountryCode, PhoneNumberText } from "./phone-settings.ts";

export const TelephonyProviderName = z.enum(["twilio"]).meta({ id: "TelephonyProvider" });
export type TelephonyProviderName = z.infer<typeof TelephonyProviderName>;

const name = text().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");
const twilioAccountSid = text().regex(/^AC[0-9a-fA-F]{32}$/, "must be a Twilio Account SID (AC followed by 32 hex digits)");
const twilioApiKeySid = text().regex(/^SK[0-9a-fA-F]{32}$/, "must be a Twilio API key SID (SK followed by 32 hex digits)");
const secretText = text()
  .min(8, "must be at least 8 characters")
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

/** Twilio authenticates with the account's Auth Token, or an API key and its secret (recommended). */
export const TwilioAuth = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("auth_token"), authToken: secretText }),
    z.strictObject({
      type: z.literal("api_key"),
      apiKeySid: twilioApiKeySid,
      apiKeySecret: secretText,
      /** Twilio signs webhooks with the account's Auth Token, never an API key: needed to verify them. */
      authToken: secretText,
    }),
  ])
  .meta({ id: "TwilioAuth" });
export type TwilioAuth = z.infer<typeof TwilioAuth>;

export const CreateTelephonyConnectionBody = z
  .discriminatedUnion("provider", [z.strictObject({ provider: z.literal("twilio"), name, accountSid: twilioAccountSid, auth: TwilioAuth })])
  .meta({ id: "CreateTelephonyConnectionBody" });
export type CreateTelephonyConnectionBody = z.infer<typeof CreateTelephonyConnectionBody>;

export const UpdateTelephonyConnectionBody = z
  .strictObject({
    name: name.optional(),
    /** New credentials (rotation); checked against the provider before they are stored. */
    auth: TwilioAuth.optional(),
  })
  .meta({ id: "UpdateTelephonyConnectionBody" });
export type UpdateTelephonyConnectionBody = z.infer<typeof UpdateTelephonyConnectionBody>;

export const TelephonyConnection = z
  .object({
    id: idSchema("telephonyConnection"),
    spaceId: idSchema("space"),
    provider: TelephonyProviderName,
    name: text(),
    /** The provider's public account id (Twilio: the Account SID). */
    accountId: text(),
    authType: z.enum(["auth_token", "api_key"]),
    /** The secret's last characters ("…abcd"); secrets are never returned. */
    secretHint: text(),
    numberCount: z.number().int(),
    version: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "TelephonyConnection" });
export type TelephonyConnection = z.infer<typeof TelephonyConnection>;

/** A number the provider account holds, offered for import. */
export const ProviderPhoneNumber = z
  .object({
    providerNumberId: text(),
    e164: text(),
    friendlyName: text().nullable(),
    /** Where the provider sends its calls now (another platform, or this one). */
    voiceUrl: text().nullable(),
    /** Set when the number is already imported into this space. */
    phoneNumberId: idSchema("phoneNumber").nullable(),
  })
  .meta({ id: "ProviderPhoneNumber" });
export type ProviderPhoneNumber = z.infer<typeof ProviderPhoneNumber>;

export const ProviderPhoneNumberPage = z
  .object({
    numbers: z.array(ProviderPhoneNumber),
    /** Pass as `pageToken` for the next page; null on the last one. */
    nextPageToken: text().nullable(),
  })
  .meta({ id: "ProviderPhoneNumberPage" });

export const allowedCountriesMax = 250;

const numberSettingsShape = {
  /** Inbound calls go to this agent; null answers that the number is not in service. */
  agentId: idSchema("agent").nullable(),
  inboundEnabled: z.boolean(),
  recordingEnabled: z.boolean(),
  /** Calls beyond this many at once (inbound and outbound) are answered busy / refused with 429. */
  maxConcurrentCalls: z.number().int().min(1).max(1000),
  /** Countries outbound calls from this number may reach (ISO alpha-2); "*" = any; empty = none. */
  allowedCountries: z.array(CountryCode).max(allowedCountriesMax),
  /** Shown to the called party where the network supports it. */
  callerName: text().trim().max(50).nullable(),
};

// The caller name is set per number, not for a batch of imports.
const { callerName: _callerName, ...importSettingsShape } = numberSettingsShape;

export const ImportPhoneNumbersBody = z
  .strictObject({
    connectionId: idSchema("telephonyConnection"),
    /** The provider's ids of the numbers to import (Twilio: PN…). */
    providerNumberIds: z.array(text().min(1).max(100)).min(1).max(100),
    /** Settings for every imported number (not the caller name); each has a default. */
    ...patchShape(importSettingsShape),
  })
  .meta({ id: "ImportPhoneNumbersBody" });
export type ImportPhoneNumbersBody = z.infer<typeof ImportPhoneNumbersBody>;

export const UpdatePhoneNumberBody = z
  .strictObject(patchShape(numberSettingsShape))
  .meta({ id: "UpdatePhoneNumberBody" });
export type UpdatePhoneNumberBody = z.infer<typeof UpdatePhoneNumberBody>;

export const PhoneNumber = z
  .object({
    id: idSchema("phoneNumber"),
    spaceId: idSchema("space"),
    connectionId: idSchema("telephonyConnection"),
    provider: TelephonyProviderName,
    e164: text(),
    providerNumberId: text(),
    friendlyName: text().nullable(),
    ...numberSettingsShape,
    agentId: text().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "PhoneNumber" });
export type PhoneNumber = z.infer<typeof PhoneNumber>;

export const ImportedPhoneNumbers = z.object({ imported: z.array(PhoneNumber) }).meta({ id: "ImportedPhoneNumbers" });

// ---- Outbound calls ------------------------------------------------------------------------------

export const OutboundCallBody = z
  .strictObject({
    to: PhoneNumberText,
    /** The space's number to call from (its connection places the call). */
    fromNumberId: idSchema("phoneNumber"),
    variables: z.record(text(), z.union([text().max(10_000), z.number(), z.boolean(), z.null()])).default({}),
    language: LanguageTag.optional(),
    /** Hang up after this long (default: the platform's session limit). */
    maxDurationS: z.number().int().min(10).max(4 * 3600).optional(),
  })
  .meta({ id: "OutboundCallBody" });
export type OutboundCallBody = z.infer<typeof OutboundCallBody>;

export const OutboundCall = z
  .object({
    sessionId: idSchema("session"),
    status: z.literal("dispatching"),
    agentId: idSchema("agent"),
    fromNumberId: idSchema("phoneNumber"),
    /** E.164 */
    to: text(),
    /** The provider's call id (Twilio: CA…). */
    providerCallId: text(),
    eventsUrl: text(),
  })
  .meta({ id: "OutboundCall" });
export type OutboundCall = z.infer<typeof OutboundCall>;

// ---- A session's phone facts -----------------------------------------------------------------------

export const CallDirection = z.enum(["inbound", "outbound"]);
export type CallDirection = z.infer<typeof CallDirection>;

export const CallStatusEntry = z
  .object({
    /** The provider's call status (ringing, in-progress, completed, busy, no-answer, failed,
     *  canceled…) or `amd:<answeredBy>` for an answering-machine result. */
    status: text(),
    at: Timestamp,
    detail: z.record(text(), z.union([text(), z.number(), z.null()])),
  })
  .meta({ id: "CallStatusEntry" });

export const SessionPhone = z
  .object({
    direction: CallDirection,
    /** E.164: personal data. */
    from: text().nullable(),
    to: text().nullable(),
    phoneNumberId: text().nullable(),
    provider: TelephonyProviderName,
    providerCallId: text().nullable(),
    providerStatus: text().nullable(),
    hangupCause: text().nullable(),
  })
  .meta({ id: "SessionPhone" });
export type SessionPhone = z.infer<typeof SessionPhone>;


// ---- Ending a session from the platform ------------------------------------------------------------

/** POST /v1/sessions/{id}/end: `ending` while the provider hangs up the call (its callbacks and
 *  the runtime complete the session), `failed` when it was ended at once (nothing was connected). */
export const EndSessionResult = z
  .object({
    sessionId: idSchema("session"),
    status: z.enum(["ending", "failed"]),
  })
  .meta({ id: "EndSessionResult" });
export type EndSessionResult = z.infer<typeof EndSessionResult>;
