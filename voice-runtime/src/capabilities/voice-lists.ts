// The voices of a TTS account, listed from the provider's API with the platform's key, as
// VoiceEntry (contracts/agent-builder.ts). Written against the providers' documented responses:
//
// - ElevenLabs `GET {base}/v1/voices` with header `xi-api-key`: `{ voices: [{ voice_id, name,
//   category?, description?, labels?: { gender?, accent?, age?, description?, use_case?,
//   language? }, verified_languages?: [{ language, locale?, accent?, model_id? }] }] }`.
// - Cartesia `GET {base}/voices?limit=100[&starting_after=<id>]` with headers `X-API-Key` and
//   `Cartesia-Version` (2025-04-16): `{ data: [{ id, name, description?, gender?:
//   "masculine" | "feminine" | "gender_neutral" | null, language, is_owner?, is_public? }],
//   has_more, next_page? }`. Version 2024-06-10 answered a bare array of the same voices.
import type { VoiceEntry } from "@speaknode/contracts";
import { z } from "zod";

export const elevenLabsDefaultBaseUrl = "https://api.elevenlabs.io";
export const cartesiaDefaultBaseUrl = "https://api.cartesia.ai";
export const cartesiaListVersion = "2025-04-16";
/** The contract's limit per provider. */
const maxVoices = 2000;
const listTimeoutMs = 10_000;

export interface VoiceListOptions {
  apiKey: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** A listing that failed; its message names the provider and HTTP status, never the key. */
export class VoiceListError extends Error {
  override name = "VoiceListError";
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

const optionalText = z.string().nullish().transform((v) => (v ? v.trim() || null : null));

const ElevenLabsVoices = z.object({
  voices: z.array(
    z.object({
      voice_id: z.string().min(1),
      name: z.string().nullish(),
      category: optionalText,
      description: optionalText,
      labels: z.record(z.string(), z.string().nullish()).nullish(),
      verified_languages: z.array(z.object({ language: z.string().nullish(), locale: z.string().nullish() })).nullish(),
    }),
  ),
});

const CartesiaVoice = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  description: optionalText,
  gender: z.string().nullish(),
  language: z.string().nullish(),
});
const CartesiaPage = z.union([
  z.object({ data: z.array(CartesiaVoice), has_more: z.boolean().default(false), next_page: z.string().nullish() }),
  z.array(CartesiaVoice).transform((data) => ({ data, has_more: false, next_page: null })),
]);

function gender(value: string | null | undefined): VoiceEntry["gender"] {
  const v = (value ?? "").toLowerCase();
  if (v === "female" || v === "feminine") return "female";
  if (v === "male" || v === "masculine") return "male";
  if (v === "neutral" || v === "gender_neutral" || v === "non-binary") return "neutral";
  return null;
}

/** A BCP 47 tag as the contract takes it (2-35 chars), or null. */
function language(value: string | null | undefined): string | null {
  const v = (value ?? "").trim();
  return /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(v) && v.length <= 35 ? v : null;
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

async function getJson(url: string, headers: Record<string, string>, provider: string, options: VoiceListOptions): Promise<unknown> {
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url, { headers: { ...headers, accept: "application/json" }, signal: AbortSignal.timeout(options.timeoutMs ?? listTimeoutMs) });
  } catch (err) {
    throw new VoiceListError(`${provider} voices could not be listed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new VoiceListError(`${provider} answered the voice listing with HTTP ${res.status}`, res.status);
  }
  try {
    return await res.json();
  } catch {
    throw new VoiceListError(`${provider} answered the voice listing with something that is not JSON`);
  }
}

export async function listElevenLabsVoices(options: VoiceListOptions): Promise<VoiceEntry[]> {
  const base = (options.baseUrl ?? elevenLabsDefaultBaseUrl).replace(/\/+$/, "");
  const parsed = ElevenLabsVoices.safeParse(await getJson(`${base}/v1/voices`, { "xi-api-key": options.apiKey }, "ElevenLabs", options));
  if (!parsed.success) throw new VoiceListError("ElevenLabs answered the voice listing in an unexpected shape");
  return parsed.data.voices.slice(0, maxVoices).map((v) => {
    const labels = v.labels ?? {};
    const verified = v.verified_languages ?? [];
    const languages = new Set(verified.map((l) => l.language).filter((l): l is string => Boolean(l)));
    // One language when the voice is verified for one (or labelled with one); several: null.
    const lang = languages.size > 1 ? null : language(verified[0]?.locale ?? verified[0]?.language ?? labels["language"]);
    const style = [labels["accent"], labels["description"] ?? labels["descriptive"], labels["use_case"] ?? labels["use case"], v.category].filter((s): s is string => Boolean(s)).join(", ");
    return { id: v.voice_id, name: clip(v.name?.trim() || v.voice_id, 200), language: lang, gender: gender(labels["gender"]), style: style ? clip(style, 300) : null };
  });
}

export async function listCartesiaVoices(options: VoiceListOptions): Promise<VoiceEntry[]> {
  const base = (options.baseUrl ?? cartesiaDefaultBaseUrl).replace(/\/+$/, "");
  const headers = { "X-API-Key": options.apiKey, "Cartesia-Version": cartesiaListVersion };
  const voices: VoiceEntry[] = [];
  let after: string | undefined;
  while (voices.length < maxVoices) {
    const url = `${base}/voices?limit=100${after ? `&starting_after=${encodeURIComponent(after)}` : ""}`;
    const parsed = CartesiaPage.safeParse(await getJson(url, headers, "Cartesia", options));
    if (!parsed.success) throw new VoiceListError("Cartesia answered the voice listing in an unexpected shape");
    const page = parsed.data;
    for (const v of page.data) {
      voices.push({ id: v.id, name: clip(v.name?.trim() || v.id, 200), language: language(v.language), gender: gender(v.gender), style: v.description ? clip(v.description, 300) : null });
    }
    const last = page.data.at(-1)?.id;
    if (!page.has_more || !last || last === after) break;
    after = last;
  }
  return voices.slice(0, maxVoices);
}
