// What a listener heard (a phone line, a recording): pocketsphinx keyword spotting over the Twilio
// simulator's agent.wav (8 kHz, starting when the call was answered, resampled to 16 kHz).
// Keyword spotting rather than a full transcript: the wideband model decodes flite's voice through
// 8 kHz μ-law into a different sentence every run, but finds a long word it was told to look for,
// and does not find it where it was not said (the same method as phone.test.ts).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { artifactsDir } from "./lib.ts";
import type { CallReport } from "../simulators/twilio/src/model.ts";

/** Whether `word` was said by the agent on `call`'s line from `fromMs` of the call's time on. */
export function heardInAgentWav(opts: { call: CallReport; wav: Buffer; word: string | readonly string[]; fromMs?: number; scratch: string }): boolean {
  const answeredMs = opts.call.statusHistory.find((s) => s.status === "in-progress")?.atMs ?? 0;
  return heardInWav({ wav: opts.wav, word: opts.word, skipS: Math.max(0, (opts.fromMs ?? 0) - answeredMs) / 1000, scratch: opts.scratch });
}

/**
 * Whether `word` (or any of the words) is said in `wav` (any rate, mono), from `skipS` seconds on.
 * Several words for one sentence: keyword spotting on 8 kHz line audio misses a word now and then
 * (a campaign's line carried "…status out for delivery", transcribed as "…status out for two").
 */
export function heardInWav(opts: { wav: Buffer; word: string | readonly string[]; skipS?: number; scratch: string }): boolean {
  const words = typeof opts.word === "string" ? [opts.word] : [...opts.word];
  const skipS = opts.skipS ?? 0;
  const dir = mkdtempSync(join(opts.scratch, "asr-"));
  writeFileSync(join(dir, "line.wav"), opts.wav);
  writeFileSync(join(dir, "keywords.txt"), words.map((w) => `${w} /1e-10/\n`).join(""));
  execFileSync("sox", [join(dir, "line.wav"), "-r", "16000", "-c", "1", join(dir, "16k.wav"), "trim", skipS.toFixed(3)]);
  // Without noise removal: pocketsphinx takes the line's digital silence as its noise floor otherwise.
  const args = ["-infile", join(dir, "16k.wav"), "-kws", join(dir, "keywords.txt"), "-remove_noise", "no", "-logfn", "/dev/null"];
  const out = execFileSync("pocketsphinx_continuous", args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  const spotted = out.split(/\s+/);
  const heard = words.some((w) => spotted.includes(w));
  if (!heard) {
    // Kept for a listener: what the line carried when the word was not found.
    const kept = join(artifactsDir, `not-heard-${words.join("-")}-${Date.now()}.wav`);
    mkdirSync(artifactsDir, { recursive: true });
    execFileSync("sox", [join(dir, "16k.wav"), kept]);
  }
  return heard;
}
