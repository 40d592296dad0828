// Which cached greeting a session may play: everything that changes the audio (the locale's
// language, the TTS provider, model, voice, params and key, the speed, the rendered text) plus the
// agent and its version, so a republished agent starts afresh and no two agents share a file.
import { createHash } from "node:crypto";
import type { Locale, RuntimeConfig } from "@speaknode/contracts";

/** Bumped when the way audio is made or stored changes, so old files are never read as new ones. */
const keyFormat = 1;

export interface GreetingIdentity {
  agent: Pick<RuntimeConfig, "agentId" | "agentVersion" | "draftVersion">;
  /** The locale the greeting is spoken in; `firstMessage` is the rendered text. */
  locale: Locale;
}

/** A stable JSON text: object keys sorted at every level, so equal params give equal keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The cache key: a SHA-256 hex digest (also the file name on disk). */
export function greetingKey({ agent, locale }: GreetingIdentity): string {
  const { provider, model, voice, params, credentialId } = locale.tts;
  const identity = [keyFormat, agent.agentId, agent.agentVersion, agent.draftVersion, locale.language, provider, model, voice, params, credentialId ?? null, locale.speed, locale.firstMessage];
  return createHash("sha256").update(canonical(identity)).digest("hex");
}
