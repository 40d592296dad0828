// LiveKit's local end-of-turn model, run in this process. The library's `inference.TurnDetector`
// ("v1-mini") sends each prediction to a job's inference executor (`doInference("lk_eot_audio",
// { pcm })`); our sessions run outside LiveKit's job processes, where it would find none and take
// every pause for the end of the turn (probability 1). This executor answers those calls with
// `@livekit/local-inference` directly: ~15 ms per prediction on libuv's thread pool, the model
// (~108 MB) loaded once per process by `warmTurnDetection()`.
import { createRequire } from "node:module";
import { errorFields, log } from "../log.ts";

/** The part of `@livekit/local-inference` we use (a dependency of @livekit/agents, loaded from there). */
interface LocalInference {
  initEot(): void;
  predict(pcm: Int16Array): Promise<number>;
}

export const EOT_METHOD = "lk_eot_audio";

let native: LocalInference | null | undefined;
let warmed: Promise<boolean> | undefined;
let warnedFailure = false;

function loadNative(): LocalInference | null {
  if (native !== undefined) return native;
  try {
    // Resolved from the library's own location: it is the library's dependency, not ours.
    const require = createRequire(import.meta.resolve("@livekit/agents"));
    native = require("@livekit/local-inference") as LocalInference;
  } catch (err) {
    log.warn("end-of-turn model unavailable; semantic turn detection falls back to the VAD", errorFields(err));
    native = null;
  }
  return native;
}

/** True when the end-of-turn model can run here (the native binding loads). */
export function endOfTurnModelAvailable(): boolean {
  return loadNative() !== null;
}

/**
 * Loads the model and runs one prediction, once per process: the load blocks the event loop for
 * about a second and the first prediction takes ~200 ms, so neither may happen during a call.
 * Resolves false when the model is unavailable.
 */
export function warmTurnDetection(): Promise<boolean> {
  warmed ??= (async () => {
    const mod = loadNative();
    if (!mod) return false;
    mod.initEot();
    await mod.predict(new Int16Array(16_000));
    return true;
  })().catch((err: unknown) => {
    log.warn("end-of-turn model failed to load", errorFields(err));
    native = null;
    return false;
  });
  return warmed;
}

export interface EotInferenceResult {
  probability: number;
  inferenceDurationMs: number;
}

/** The inference executor the library's LocalTransport calls (`InferenceExecutor`). */
export const localEotExecutor = {
  async doInference(method: string, data: unknown): Promise<EotInferenceResult> {
    if (method !== EOT_METHOD) throw new Error(`unknown inference method ${method}`);
    const pcmField = typeof data === "object" && data !== null && "pcm" in data ? data.pcm : undefined;
    if (typeof pcmField !== "string") throw new Error("end-of-turn inference needs base64 PCM");
    const bytes = Buffer.from(pcmField, "base64");
    // Copied into an aligned buffer: the decoded bytes may start at an odd offset.
    const pcm = new Int16Array(Math.floor(bytes.byteLength / 2));
    Buffer.from(pcm.buffer).set(bytes.subarray(0, pcm.byteLength));
    const started = performance.now();
    const mod = loadNative();
    try {
      if (!mod) throw new Error("the end-of-turn model is not available");
      return { probability: await mod.predict(pcm), inferenceDurationMs: performance.now() - started };
    } catch (err) {
      // A failed prediction must not hold every turn for the maximum delay: take the pause
      // for the end of the turn, as the VAD alone would.
      if (!warnedFailure) log.warn("end-of-turn prediction failed; ending turns on the minimum delay", errorFields(err));
      warnedFailure = true;
      return { probability: 1, inferenceDurationMs: performance.now() - started };
    }
  },
};
