// POST /v1/tts/preview on the runtime's HTTP server: speaks a short sample with a TTS provider so
// the dashboard's voice library can play it. Only the Worker calls it, with a short-lived HS256
// JWT of its own audience and scope "tts-preview" signed with the runtime token secret
// (@speaknode/tokens' preview tokens). The voice is built by the same
// provider registry as a session's, with the locale's speed applied the same way; a space's key
// goes through the same endpoint guard, and the platform's key never goes to a URL the request
// names. The answer is a 16-bit mono WAV, or JSON {code, message} saying in a sentence what failed.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { tts } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import { LanguageTag, ModelName, ProviderName, type Locale } from "@speaknode/contracts";
import { verifyTtsPreviewToken } from "@speaknode/tokens";
import { z } from "zod";
import { encodeWav } from "../audio/wav.ts";
import { errorFields, log } from "../log.ts";
import { stageProvider } from "../providers/describe.ts";
import { downmixToMono, resampleMono } from "../providers/offline/speech-tools.ts";
import { ProviderUnavailableError, type ProviderRegistry } from "../providers/registry.ts";
import { refusalStatus } from "../session/provider-failures.ts";

export const ttsPreviewPath = "/v1/tts/preview";
export const ttsPreviewMaxChars = 300;
const defaultTimeoutMs = 20_000;
const maxBodyBytes = 16 * 1024;

export const TtsPreviewRequest = z.object({
  provider: ProviderName,
  model: ModelName,
  voice: z.string().trim().min(1).max(200),
  speed: z.number().min(0.5).max(2).default(1),
  language: LanguageTag.nullish(),
  text: z.string().trim().min(1).max(ttsPreviewMaxChars),
  /** A space's key and the base URL it is bound to; null = the platform's key. */
  credential: z.object({ apiKey: z.string().min(1).max(4096), baseUrl: z.url() }).nullable().default(null),
});
export type TtsPreviewRequest = z.infer<typeof TtsPreviewRequest>;

export interface TtsPreviewOptions {
  /** The runtime token secret (the one media tokens are verified with). */
  tokenSecret: string;
  providers: Pick<ProviderRegistry, "standaloneTts">;
  timeoutMs?: number;
}

type Refusal = { status: number; code: string; message: string };

class PreviewRefused extends Error {
  override name = "PreviewRefused";
  readonly refusal: Refusal;
  constructor(refusal: Refusal) {
    super(refusal.message);
    this.refusal = refusal;
  }
}

/** The preview route; `handleRequest` answers it and returns false for any other request. */
export function createTtsPreview(options: TtsPreviewOptions): { handleRequest(req: IncomingMessage, res: ServerResponse): boolean } {
  if (options.tokenSecret.length < 32) throw new Error("the TTS preview needs the runtime token secret");
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;

  async function authorized(header: string | undefined): Promise<boolean> {
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(header ?? "")?.[1];
    if (!token) return false;
    return (await verifyTtsPreviewToken(options.tokenSecret, token)) !== null;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!(await authorized(req.headers.authorization))) throw new PreviewRefused({ status: 401, code: "unauthorized", message: "The preview token is missing, invalid or expired." });
      const body = parseBody(await readBody(req));
      const audio = await speak(options.providers, body, timeoutMs);
      const wav = encodeWav(audio.samples, audio.sampleRateHz);
      res.writeHead(200, { "content-type": "audio/wav", "content-length": String(wav.length), "cache-control": "no-store" }).end(wav);
    } catch (err) {
      const refusal = err instanceof PreviewRefused ? err.refusal : { status: 500, code: "internal", message: "The preview could not be made." };
      if (refusal.status >= 500) log.warn("tts preview failed", { code: refusal.code, ...errorFields(err) });
      if (!res.headersSent) res.writeHead(refusal.status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ code: refusal.code, message: refusal.message }));
    }
  }

  return {
    handleRequest(req, res) {
      const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
      if (pathname !== ttsPreviewPath) return false;
      if (req.method !== "POST") {
        res.writeHead(405, { allow: "POST", "content-type": "application/json" }).end(JSON.stringify({ code: "method_not_allowed", message: "Use POST." }));
        return true;
      }
      void handle(req, res);
      return true;
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk instanceof Buffer ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBodyBytes) throw new PreviewRefused({ status: 413, code: "body_too_large", message: `The request body is larger than ${maxBodyBytes} bytes.` });
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(raw: string): TtsPreviewRequest {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new PreviewRefused({ status: 400, code: "invalid_body", message: "The request body is not JSON." });
  }
  const parsed = TtsPreviewRequest.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
    throw new PreviewRefused({ status: 400, code: "invalid_body", message: `The request body is not valid: ${issues}`.slice(0, 1000) });
  }
  return parsed.data;
}

/** Builds the voice and collects everything it says as one mono clip. */
async function speak(providers: TtsPreviewOptions["providers"], body: TtsPreviewRequest, timeoutMs: number): Promise<{ samples: Int16Array; sampleRateHz: number }> {
  const locale: Locale = {
    language: body.language ?? "en",
    firstMessage: "",
    tts: { provider: body.provider, model: body.model, voice: body.voice, params: {} },
    speed: body.speed,
    background: { sound: "none", volume: 0 },
  };
  let engine: tts.TTS;
  try {
    engine = await providers.standaloneTts(locale, body.credential);
  } catch (err) {
    if (err instanceof ProviderUnavailableError) throw new PreviewRefused({ status: 422, code: "provider_unavailable", message: err.message });
    throw err;
  }
  const what = stageProvider("tts", body.provider);
  // The library reports a failed request as an event on the TTS and just ends the stream.
  const seen: { failure?: Error } = {};
  const onError = (e: { error: Error }) => void (seen.failure ??= e.error);
  engine.on("error", onError);
  const stream = engine.synthesize(body.text);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stream.close();
  }, timeoutMs);
  const frames: AudioFrame[] = [];
  try {
    for await (const audio of stream) frames.push(audio.frame);
  } finally {
    clearTimeout(timer);
    stream.close();
    engine.off("error", onError);
    await engine.close().catch(() => {});
  }
  if (timedOut) throw new PreviewRefused({ status: 504, code: "timeout", message: `${what} did not finish the sample within ${timeoutMs / 1000} s.` });
  const failure = seen.failure;
  if (failure) {
    // A 4xx other than a timeout or rate limit is the provider refusing this voice, model or key.
    const status = refusalStatus(failure);
    if (status !== undefined) {
      throw new PreviewRefused({ status: 422, code: "provider_refused", message: `${what} refused the sample (HTTP ${status}): ${failure.message}`.slice(0, 1000) });
    }
    throw new PreviewRefused({ status: 502, code: "provider_failed", message: `${what} failed: ${failure.message}`.slice(0, 1000) });
  }
  const clip = join(frames);
  if (clip.samples.length === 0) throw new PreviewRefused({ status: 502, code: "provider_failed", message: `${what} returned no audio.` });
  return clip;
}

/** The frames as one mono clip at the first frame's rate. */
function join(frames: AudioFrame[]): { samples: Int16Array; sampleRateHz: number } {
  const sampleRateHz = frames[0]?.sampleRate ?? 16_000;
  const parts = frames.map((f) => resampleMono(downmixToMono(f.data.subarray(0, f.samplesPerChannel * f.channels), f.channels), f.sampleRate, sampleRateHz));
  const samples = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    samples.set(part, at);
    at += part.length;
  }
  return { samples, sampleRateHz };
}
