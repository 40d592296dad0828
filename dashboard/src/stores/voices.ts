// The voice library of a TTS provider for the open space (GET /v1/spaces/{id}/voices?provider=…),
// a spoken preview of a voice (POST …/voices/preview answers a WAV), and which voice a locale keeps
// when its TTS provider changes: a voice never outlives its provider.
import { signal } from "@preact/signals";
import { VoiceLibrary, type VoiceEntry, type VoicePreviewBody } from "../../../packages/contracts/src/agent-builder.ts";
import type { Locale } from "../../../packages/contracts/src/agents.ts";
import { voiceIssue, voicesFor } from "../../../packages/contracts/src/voices.ts";
import { errorMessage, type Api } from "../api/client.ts";
import { languageLabel } from "./language-label.ts";

export function createVoicesStore(api: Api) {
  /** Libraries by `${spaceId}|${provider}`. */
  const libraries = signal<Record<string, VoiceLibrary>>({});
  const errors = signal<Record<string, string>>({});
  const pending = new Map<string, Promise<VoiceLibrary>>();

  const key = (spaceId: string, provider: string) => `${spaceId}|${provider}`;

  function load(spaceId: string, provider: string): Promise<VoiceLibrary> {
    const k = key(spaceId, provider);
    const cached = libraries.value[k];
    if (cached) return Promise.resolve(cached);
    const inFlight = pending.get(k);
    if (inFlight) return inFlight;
    const request = api
      .json(VoiceLibrary, "GET", `/v1/spaces/${encodeURIComponent(spaceId)}/voices`, { query: { provider } })
      .then((lib) => {
        libraries.value = { ...libraries.value, [k]: lib };
        if (Object.hasOwn(errors.value, k)) errors.value = Object.fromEntries(Object.entries(errors.value).filter(([e]) => e !== k));
        return lib;
      })
      .catch((err: unknown) => {
        errors.value = { ...errors.value, [k]: errorMessage(err) };
        throw err;
      })
      .finally(() => pending.delete(k));
    pending.set(k, request);
    return request;
  }

  /** The WAV of a sample spoken by the locale's voice at its speed. */
  function preview(spaceId: string, locale: Pick<Locale, "language" | "speed" | "tts">, text?: string): Promise<Blob> {
    return api.blob("POST", `/v1/spaces/${encodeURIComponent(spaceId)}/voices/preview`, previewBody(locale, text), "audio/wav");
  }

  return { libraries, errors, key, load, preview, libraryOf: (spaceId: string, provider: string) => libraries.value[key(spaceId, provider)] ?? null };
}
export type VoicesStore = ReturnType<typeof createVoicesStore>;

/** The preview request for a locale: its provider, model, voice, speed, language and key. */
export function previewBody(locale: Pick<Locale, "language" | "speed" | "tts">, text?: string): VoicePreviewBody {
  const body: VoicePreviewBody = { provider: locale.tts.provider, model: locale.tts.model, voice: locale.tts.voice.trim(), speed: locale.speed, language: locale.language };
  if (locale.tts.credentialId) body.credentialId = locale.tts.credentialId;
  if (text?.trim()) body.text = text.trim();
  return body;
}

/**
 * The voice a locale keeps after its TTS provider became `provider`: the current one when it
 * belongs there, else the model's default voice, else the provider's first listed voice; empty
 * (to be picked, the field is required) for providers whose voices are account-specific ids.
 */
export function voiceForProvider(provider: string, current: string, opts: { modelDefault?: string | null; library?: VoiceLibrary | null } = {}): string {
  const belongs = (voice: string) => {
    if (!voice.trim() || voiceIssue(provider, voice) !== null) return false;
    const lib = opts.library;
    return !(lib && lib.provider === provider && lib.closed && !lib.voices.some((v) => v.id === voice));
  };
  if (belongs(current)) return current;
  if (opts.modelDefault && belongs(opts.modelDefault)) return opts.modelDefault;
  const listed = opts.library?.provider === provider ? opts.library.voices : [];
  const first = [...listed, ...voicesFor(provider).voices].find((v) => belongs(v.id));
  return first?.id ?? "";
}

/** "SLT · American English (en-US) · female · US English, female" for a voice option. */
export function voiceLabel(v: VoiceEntry): string {
  return [v.name, v.language ? languageLabel(v.language) : null, v.gender, v.style].filter((part): part is string => Boolean(part)).join(" · ");
}

/** The library to show before the API answered (or when it failed): the catalog's own list. */
export function catalogLibrary(provider: string): VoiceLibrary {
  const known = voicesFor(provider);
  return {
    provider,
    source: "catalog",
    hint: known.hint,
    closed: known.closed,
    voices: known.voices.map((v) => ({ id: v.id, name: v.name, language: v.language ?? null, gender: v.gender ?? null, style: v.note ?? null })),
  };
}
