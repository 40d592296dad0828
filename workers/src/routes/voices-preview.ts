// A spoken sample of a voice, for the voice library: the Worker checks what it can (the voice
// belongs to the provider, the catalog model, the space's key), then asks the voice runtime, which
// holds the platform keys and the TTS drivers, with a 60-second token of its own (scope
// "tts-preview"). A space key is sent only when the body names one of this space's keys for the
// same provider; the Worker never holds or sends a platform key.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { signTtsPreviewToken } from "@speaknode/tokens";
import { text, voiceIssue, VoicePreviewBody } from "@speaknode/contracts";
import { catalogModels, providerCredentials } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { ApiError } from "../errors.ts";
import { errorFields, log } from "../lib/log.ts";
import { enforceRateLimit } from "../lib/rate-limit.ts";
import { bearerSecurity, errorResponses, jsonBody, problemSpec } from "../lib/openapi.ts";
import { openKey } from "../providers/credentials.ts";
import { SpaceParams } from "./params.ts";

export const previewsPerMinute = 20;
/** The runtime gives up on a provider after 20 s; a little more for the audio to come back. */
const runtimeTimeoutMs = 25_000;

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/voices/preview",
  tags: ["catalog"],
  summary: "Speak a short sample with a TTS voice (audio/wav); 20 a minute per space",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(VoicePreviewBody) },
  responses: {
    200: { description: "The sample, 16-bit PCM mono WAV", content: { "audio/wav": { schema: text().openapi({ format: "binary" }) } } },
    ...errorResponses,
    429: problemSpec("More than 20 previews a minute in this space"),
    502: problemSpec("The voice runtime or the provider refused the sample"),
    503: problemSpec("The voice runtime could not be reached"),
  },
});

const samples: Record<string, string> = {
  en: "Hello! This is how I sound. How can I help you today?",
  de: "Hallo! So klinge ich. Wie kann ich Ihnen heute helfen?",
  fr: "Bonjour ! Voici ma voix. Comment puis-je vous aider aujourd'hui ?",
  es: "¡Hola! Así sueno yo. ¿En qué puedo ayudarle hoy?",
  it: "Ciao! Questa è la mia voce. Come posso aiutarla oggi?",
  pt: "Olá! Esta é a minha voz. Como posso ajudar hoje?",
  nl: "Hallo! Zo klink ik. Waarmee kan ik u vandaag helpen?",
  ru: "Здравствуйте! Так звучит мой голос. Чем могу помочь?",
};
const sampleFor = (language: string) => samples[language.split("-")[0]?.toLowerCase() ?? ""] ?? (samples["en"] as string);

/** What the runtime answers on a refusal (400/422/502): `{ code, message }`. */
const RuntimeRefusal = z.object({ code: text().optional(), message: text() });

async function refusalMessage(res: Response): Promise<string> {
  const parsed = RuntimeRefusal.safeParse(await res.json().catch(() => null));
  return parsed.success ? parsed.data.message.slice(0, 300) : `it answered ${res.status}`;
}

export function registerVoicesPreview(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const body = c.req.valid("json");
    await requireSpace(c, spaceId);
    const issue = voiceIssue(body.provider, body.voice);
    if (issue) throw new ApiError("validation_failed", "the voice does not belong to its provider", { errors: [{ field: "body.voice", message: issue }] });
    const db = c.get("db");
    const [model] = await db
      .select({ enabled: catalogModels.enabled })
      .from(catalogModels)
      .where(and(eq(catalogModels.kind, "tts"), eq(catalogModels.provider, body.provider), eq(catalogModels.model, body.model)));
    if (!model?.enabled) throw new ApiError("validation_failed", "the model is not available", { errors: [{ field: "body.model", message: model ? `"${body.model}" of ${body.provider} is disabled` : `"${body.model}" is not a ${body.provider} text-to-speech model of the catalog` }] });
    let credential: { apiKey: string; baseUrl: string } | null = null;
    if (body.credentialId) {
      const [row] = await db.select().from(providerCredentials).where(and(eq(providerCredentials.id, body.credentialId), eq(providerCredentials.spaceId, spaceId)));
      if (!row || row.provider !== body.provider) throw new ApiError("validation_failed", "the provider key cannot be used", { errors: [{ field: "body.credentialId", message: row ? `provider key "${row.name}" is for ${row.provider}, not ${body.provider}` : "no such provider key in this space" }] });
      credential = { apiKey: await openKey(c.get("config").secretsKey, row), baseUrl: row.baseUrl };
    }
    await enforceRateLimit(c, `preview:${spaceId}`, previewsPerMinute, "voice previews");

    const runtime = c.get("config").runtime;
    const language = body.language ?? "en";
    const token = await signTtsPreviewToken(runtime.tokenSecret, { spaceId, ttlS: 60 });
    let res: Response;
    try {
      res = await fetch(`${runtime.httpUrl}/v1/tts/preview`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "audio/wav" },
        body: JSON.stringify({ provider: body.provider, model: body.model, voice: body.voice, speed: body.speed, language, text: body.text ?? sampleFor(language), credential }),
        signal: AbortSignal.timeout(runtimeTimeoutMs),
      });
    } catch (err) {
      log.warn("voice preview: the voice runtime is unreachable", { spaceId, ...errorFields(err) });
      throw new ApiError("upstream_unavailable", "The voice runtime could not be reached to speak the sample; try again in a moment");
    }
    if (res.ok && res.body && (res.headers.get("content-type") ?? "").startsWith("audio/")) {
      return c.body(res.body, 200, { "content-type": "audio/wav", "cache-control": "no-store" });
    }
    if (res.status === 400 || res.status === 422 || res.status === 502) {
      throw new ApiError("upstream_rejected", `The voice runtime could not speak the sample: ${await refusalMessage(res)}`);
    }
    await res.body?.cancel();
    log.warn("voice preview: unexpected answer of the voice runtime", { spaceId, status: res.status });
    if (res.status === 401 || res.status === 403) throw new ApiError("upstream_rejected", "The voice runtime refused the platform's token (its RUNTIME_TOKEN_SECRET differs from the Worker's)");
    throw new ApiError("upstream_unavailable", `The voice runtime could not speak the sample right now (it answered ${res.status}); try again in a moment`);
  });
}
