// A caller's voice for tests, the bench and `npm run call`: flite's `rms` voice (the one
// pocketsphinx recognises best), converted by sox to 16-bit mono PCM at the caller's rate.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { readWav } from "../src/audio/wav.ts";

/** `text` spoken, as PCM16 samples at `rateHz`; `dir` holds the scratch WAVs. */
export function speak(text: string, dir: string, rateHz = 16_000): Int16Array {
  const raw = join(dir, "flite.wav");
  const out = join(dir, "caller.wav");
  if (spawnSync("flite", ["-voice", "rms", "-t", text, "-o", raw]).status !== 0) throw new Error("flite failed or is missing (apt-get install flite)");
  if (spawnSync("sox", [raw, "-r", String(rateHz), "-c", "1", "-b", "16", out]).status !== 0) throw new Error("sox failed or is missing (apt-get install sox)");
  return readWav(out).samples;
}
