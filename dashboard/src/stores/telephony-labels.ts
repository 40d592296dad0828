// How the Telephony page says provider facts in words: provider names, VoxImplant encodings, SIP
// transports, and the LiveKit SIP sync status of a connection or a number's dispatch rule.
import type { SipSync, TelephonyProviderName, VoximplantEncoding } from "../../../packages/contracts/src/telephony.ts";
import type { SipTransportName } from "./telephony-forms.ts";

export const providerLabels: Record<TelephonyProviderName, string> = { twilio: "Twilio", voximplant: "VoxImplant", livekit_sip: "LiveKit SIP" };
export const encodingLabels: Record<VoximplantEncoding, string> = { pcm8: "PCM 16-bit, 8 kHz", ulaw: "G.711 μ-law, 8 kHz" };
export const transportLabels: Record<SipTransportName, string> = { auto: "Automatic", udp: "UDP", tcp: "TCP", tls: "TLS" };

/** What importing a number does at each provider (the import dialog says it before importing). */
export const importEffect: Record<TelephonyProviderName, string> = {
  twilio: "Importing points each number's voice and status webhooks at Speaknode; releasing it later gives the previous settings back.",
  voximplant: "Importing binds each number to the connection's VoxImplant application, whose Speaknode scenario answers its calls; releasing it unbinds it.",
  livekit_sip: "Importing adds each number to the connection's inbound trunk at LiveKit with a dispatch rule for its agent; releasing it removes the rule.",
};

/** What releasing a number does, for the confirmation. */
export function releaseEffect(provider: TelephonyProviderName): string {
  switch (provider) {
    case "twilio":
      return "Twilio gets back the number's previous webhook settings (the Voice URL and status callback it had before the import). The number stays in your Twilio account.";
    case "voximplant":
      return "The number is unbound from the VoxImplant application. It stays in your VoxImplant account.";
    case "livekit_sip":
      return "Its dispatch rule is removed from LiveKit. The number stays on your SIP trunk.";
  }
}

export type Tone = "ok" | "neutral" | "danger";
export interface StatusWords {
  text: string;
  tone: Tone;
  /** The longer explanation beside the badge, if any. */
  detail: string | null;
}

/** A connection's LiveKit SIP sync or a number's dispatch rule status, in words. */
export function sipStatusWords(status: SipSync["status"], detail: string | null): StatusWords {
  switch (status) {
    case "synced":
      return { text: "Synced", tone: "ok", detail };
    case "pending":
      return { text: "Pending", tone: "neutral", detail: detail ?? "not yet provisioned at LiveKit" };
    case "failed":
      return { text: "Failed", tone: "danger", detail: detail ?? "the last sync with LiveKit failed" };
    case "off":
      return { text: "Off", tone: "neutral", detail: detail ?? "this deployment has no LiveKit" };
  }
}

export const toneClass = (tone: Tone) => (tone === "ok" ? "badge ok" : tone === "danger" ? "badge danger" : "badge");
