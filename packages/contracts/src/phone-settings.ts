// Phone-number text and an agent's phone settings (voicemail policy, transfer destinations): used by
// the agent and tool contracts, so this file imports neither. Only E.164's shape is checked here
// (@speaknode/phone/light, no numbering-plan metadata in what the dashboard loads first); whether a
// number can exist in its country is checked by the Worker where numbers are used.
import { z } from "zod";
import { e164Pattern, normalizePhoneText } from "@speaknode/phone/light";
import { text } from "./text.ts";

/** A phone number as people type it; read back as E.164. */
export const PhoneNumberText = text()
  .max(40)
  .transform((raw, ctx) => {
    const e164 = normalizePhoneText(raw);
    if (e164 === null) {
      ctx.addIssue({ code: "custom", message: "must be a phone number with its country code, such as +14155550100" });
      return z.NEVER;
    }
    return e164;
  })
  .meta({ id: "PhoneNumberText", description: "A phone number with its country code; stored and returned as E.164 (+14155550100)", example: "+14155550100" });

/** A phone number exactly in E.164 (for schemas that are also read back, which cannot transform). */
export const E164Text = text()
  .max(16)
  .refine((v) => e164Pattern.test(v), "must be a phone number in E.164 form, such as +14155550100 (a + and the country code, no spaces)")
  .meta({ id: "E164", example: "+14155550100" });

/** An ISO 3166-1 alpha-2 country in capitals, or "*" for every country. */
export const CountryCode = text().regex(/^([A-Z]{2}|\*)$/, "must be a two-letter country code in capitals like US, or *");

// ---- Agent settings for phone calls ------------------------------------------------------------------

/** What an outbound call does when an answering machine picks up. */
export const VoicemailPolicy = z
  .strictObject({
    /** hang_up at once, or wait for the beep and leave `message`. */
    action: z.enum(["hang_up", "leave_message"]).default("hang_up"),
    /** Rendered with the session's variables ({{customer_name}}). */
    message: text().max(2000).default(""),
  })
  .meta({ id: "VoicemailPolicy" });
export type VoicemailPolicy = z.infer<typeof VoicemailPolicy>;

export const AgentTelephonySettings = z
  .strictObject({
    voicemail: VoicemailPolicy.default({ action: "hang_up", message: "" }),
  })
  .meta({ id: "AgentTelephonySettings" });
export type AgentTelephonySettings = z.infer<typeof AgentTelephonySettings>;

/** A human the `transfer_to_number` tool may hand the caller to (cold transfer). */
export const TransferDestination = z
  .strictObject({
    /** How the model names it ("billing desk"). */
    name: text().trim().min(1).max(60),
    number: E164Text,
    when: text().trim().min(1).max(500),
    /** Said to the caller before the transfer (rendered with variables); empty = nothing. */
    announcement: text().max(500).default(""),
  })
  .meta({ id: "TransferDestination" });
export type TransferDestination = z.infer<typeof TransferDestination>;
