// Telephony: a space's provider connections (Twilio, VoxImplant and LiveKit SIP, each a variant of
// the `provider` union), the phone numbers imported from them,
// outbound calls, and the phone facts of a session. Provider secrets are write-only (never
// returned; `secretHint` tells connections apart). Numbers are E.164 everywhere (@speaknode/phone).
import { z } from "zod";
import { idSchema, Timestamp } from "./ids.ts";
import { text } from "./text.ts";
import { patchShape } from "./patch.ts";
import { LanguageTag } from "./agents.ts";
import { CountryCode, PhoneNumberText } from "./phone-settings.ts";

export const TelephonyProviderName = z.enum(["twilio", "voximplant", "livekit_sip"]).meta({ id: "TelephonyProvider" });
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

// ---- VoxImplant -----------------------------------------------------------------------------------

const positiveId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/**
 * The service account key file VoxImplant's control panel downloads (Settings → Service accounts →
 * Generate key), pasted whole: the Management API is called with an RS256 JWT signed by this key
 * (`kid` = key_id, `iss` = account_id). Other fields of the file are ignored.
 */
export const VoximplantServiceAccountKey = z
  .object({
    account_id: z.union([positiveId, text().regex(/^\d{1,20}$/, "must be the numeric account id")]),
    key_id: text().min(8, "must be the key's id").max(100).regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces"),
    private_key: text()
      .max(10_000)
      .regex(/-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+-----END (RSA )?PRIVATE KEY-----/, "must be the PEM private key of the key file"),
  })
  .meta({ id: "VoximplantServiceAccountKey" });
export type VoximplantServiceAccountKey = z.infer<typeof VoximplantServiceAccountKey>;

/** How the VoxEngine scenario sends call audio to the bridge: 16-bit PCM at 8 kHz, or G.711 μ-law. */
export const VoximplantEncoding = z.enum(["pcm8", "ulaw"]).meta({ id: "VoximplantEncoding" });
export type VoximplantEncoding = z.infer<typeof VoximplantEncoding>;

const voximplantShape = {
  /** The VoxImplant application the numbers are bound to and the scenario runs in. */
  applicationId: positiveId,
  /** The application's routing rule (attached to the Speaknode scenario) that StartScenarios runs for outbound calls. */
  ruleId: positiveId,
  encoding: VoximplantEncoding,
};

// ---- LiveKit SIP ----------------------------------------------------------------------------------

export const SipTransport = z.enum(["auto", "udp", "tcp", "tls"]).meta({ id: "SipTransport" });
const sipHost = text()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, "must be a SIP host name with an optional port, e.g. example.pstn.twilio.com");
const sipUsername = text().min(1).max(100).regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");
/** An IPv4/IPv6 address or CIDR range the SIP provider sends calls from. */
const sipAddress = text()
  .trim()
  .min(2)
  .max(60)
  .regex(/^[0-9A-Fa-f.:]+(\/\d{1,3})?$/, "must be an IP address or CIDR range, e.g. 54.172.60.0/30");

export const LiveKitSipOutbound = z
  .strictObject({
    /** Where LiveKit sends outbound calls: the SIP provider's termination host (Twilio Elastic SIP: `<name>.pstn.twilio.com`). */
    address: sipHost,
    transport: SipTransport.default("auto"),
    /** Digest credentials the provider requires for termination (write-only). */
    authUsername: sipUsername.optional(),
    authPassword: secretText.optional(),
  })
  .meta({ id: "LiveKitSipOutbound" });
export type LiveKitSipOutbound = z.infer<typeof LiveKitSipOutbound>;

export const LiveKitSipInbound = z
  .strictObject({
    /** Addresses the provider's calls come from; LiveKit refuses calls from anywhere else. */
    allowedAddresses: z.array(sipAddress).max(50).default([]),
    /** Digest credentials the provider must present (write-only). */
    authUsername: sipUsername.optional(),
    authPassword: secretText.optional(),
  })
  .meta({ id: "LiveKitSipInbound" });
export type LiveKitSipInbound = z.infer<typeof LiveKitSipInbound>;

const livekitSipShape = {
  outbound: LiveKitSipOutbound,
  inbound: LiveKitSipInbound,
  /** The trunk's phone numbers (E.164), offered for import like a provider account's numbers. */
  numbers: z.array(PhoneNumberText).min(1, "a trunk needs at least one number").max(100),
};

export const CreateTelephonyConnectionBody = z
  .discriminatedUnion("provider", [
    z.strictObject({ provider: z.literal("twilio"), name, accountSid: twilioAccountSid, auth: TwilioAuth }),
    z.strictObject({
      provider: z.literal("voximplant"),
      name,
      serviceAccountKey: VoximplantServiceAccountKey,
      ...voximplantShape,
      encoding: VoximplantEncoding.default("pcm8"),
    }),
    z.strictObject({ provider: z.literal("livekit_sip"), name, ...livekitSipShape }),
  ])
  .meta({ id: "CreateTelephonyConnectionBody" });
export type CreateTelephonyConnectionBody = z.infer<typeof CreateTelephonyConnectionBody>;

/** Fields of another provider than the connection's are refused with a field error. */
export const UpdateTelephonyConnectionBody = z
  .strictObject({
    name: name.optional(),
    /** Twilio: new credentials (rotation); checked against the provider before they are stored. */
    auth: TwilioAuth.optional(),
    /** VoxImplant: a new service account key (rotation), checked against the Management API first. */
    serviceAccountKey: VoximplantServiceAccountKey.optional(),
    applicationId: voximplantShape.applicationId.optional(),
    ruleId: voximplantShape.ruleId.optional(),
    encoding: VoximplantEncoding.optional(),
    /** LiveKit SIP: replaces the trunk settings; omitted credentials keep the stored ones. */
    outbound: LiveKitSipOutbound.optional(),
    inbound: LiveKitSipInbound.optional(),
    numbers: livekitSipShape.numbers.optional(),
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
    /** Twilio: auth_token | api_key; VoxImplant: service_account; LiveKit SIP: sip. */
    authType: z.enum(["auth_token", "api_key", "service_account", "sip"]),
    /** The secret's last characters ("…abcd"); secrets are never returned. */
    secretHint: text(),
    numberCount: z.number().int(),
    /** VoxImplant's settings (null for other providers). */
    voximplant: z
      .object({ ...voximplantShape, keyId: text(), scenarioUrl: text() })
      .nullable(),
    /** LiveKit SIP's trunk settings and provisioning status (null for other providers). */
    livekitSip: z
      .object({
        outbound: z.object({ address: text(), transport: SipTransport, authUsername: text().nullable() }),
        inbound: z.object({ allowedAddresses: z.array(text()), authUsername: text().nullable() }),
        numbers: z.array(text()),
        sync: z.lazy(() => SipSync),
      })
      .nullable(),
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

/** How the platform's provisioning at LiveKit went (trunks per connection, a dispatch rule per number). */
export const SipSync = z
  .object({
    /** synced: LiveKit holds what the platform wants; pending: not yet done; failed: the last sync failed
     *  (detail says why); off: this deployment has no LiveKit (MEDIA_DRIVER=local). */
    status: z.enum(["synced", "pending", "failed", "off"]),
    syncedAt: Timestamp.nullable(),
    detail: text().nullable(),
    inboundTrunkId: text().nullable(),
    outboundTrunkId: text().nullable(),
  })
  .meta({ id: "SipSync" });
export type SipSync = z.infer<typeof SipSync>;

/** A connection's health check: each thing the platform needs from the provider, tried now. */
export const ConnectionHealth = z
  .object({
    connectionId: idSchema("telephonyConnection"),
    ok: z.boolean(),
    checkedAt: Timestamp,
    checks: z.array(z.object({ name: text(), ok: z.boolean(), detail: text() })),
  })
  .meta({ id: "ConnectionHealth" });
export type ConnectionHealth = z.infer<typeof ConnectionHealth>;

/** The VoxEngine scenario to upload to the connection's VoxImplant application, with this platform's
 *  URLs and the connection's scenario secret filled in (Owners only). */
export const VoximplantScenario = z
  .object({
    connectionId: idSchema("telephonyConnection"),
    fileName: text(),
    script: text(),
    /** Step-by-step setup in the VoxImplant control panel. */
    steps: z.array(text()),
  })
  .meta({ id: "VoximplantScenario" });
export type VoximplantScenario = z.infer<typeof VoximplantScenario>;

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
    /** The provider's ids of the numbers to import (Twilio: PN…; VoxImplant: the phone_id; LiveKit SIP: the E.164 number). */
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
    /** LiveKit SIP: this number's dispatch rule and how its sync went; null when the number's calls
     *  do not go through LiveKit SIP. */
    sip: z.object({ status: SipSync.shape.status, dispatchRuleId: text().nullable(), detail: text().nullable() }).nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "PhoneNumber" });
export type PhoneNumber = z.infer<typeof PhoneNumber>;

export const ImportedPhoneNumbers = z.object({ imported: z.array(PhoneNumber) }).meta({ id: "ImportedPhoneNumbers" });

// ---- Twilio Elastic SIP trunk toward LiveKit -------------------------------------------------------

/** Creates (or, on a re-run, finds) a Twilio Elastic SIP trunk whose origination reaches this
 *  deployment's LiveKit, and a LiveKit SIP connection over it; the chosen numbers move onto both. */
export const CreateLiveKitSipTrunkBody = z
  .strictObject({
    /** The LiveKit SIP connection's name in the space (a re-run with the same name finds it). */
    name,
    /** Numbers of this Twilio connection (phone number ids) to move onto the trunk and the new connection. */
    phoneNumberIds: z.array(idSchema("phoneNumber")).max(100).default([]),
  })
  .meta({ id: "CreateLiveKitSipTrunkBody" });
export type CreateLiveKitSipTrunkBody = z.infer<typeof CreateLiveKitSipTrunkBody>;

export const LiveKitSipTrunk = z
  .object({
    /** The LiveKit SIP connection whose outbound trunk terminates at the Twilio trunk. */
    connection: TelephonyConnection,
    /** The Twilio side (no secrets: the termination password is sealed on the connection). */
    twilioTrunk: z.object({ sid: text(), domainName: text(), originationSipUrl: text(), credentialListSid: text() }),
    /** The numbers now on the trunk and the connection. */
    phoneNumbers: z.array(PhoneNumber),
    /** False when a re-run found everything in place and changed nothing. */
    changed: z.boolean(),
  })
  .meta({ id: "LiveKitSipTrunk" });
export type LiveKitSipTrunk = z.infer<typeof LiveKitSipTrunk>;

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
    /** The provider's call id (Twilio: CA…; LiveKit SIP: the SIP call id; VoxImplant: the call session history id). */
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
