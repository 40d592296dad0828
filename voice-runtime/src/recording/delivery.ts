// Delivers a call's recording directory to its session: every track, then the waveform, and only
// once the Worker has confirmed all of them is the directory removed — a failed upload leaves the
// files for a later attempt (the sweeper's). Used by the session runner at the end of a call and
// by the sweeper for directories a dead runtime left behind.
//
// A directory names its owner in `.owner` (process id and a token unique to the process), written
// when recording starts and again when a delivery begins, and removed when a delivery fails; the
// sweeper leaves alone a directory another living process owns.
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { waveformMaxPeaks, type RecordingTrack, type WaveformBody } from "@speaknode/contracts";
import type { RuntimeApi } from "../api/client.ts";
import { repairWav } from "../audio/wav.ts";
import { isProcessAlive } from "../process-alive.ts";
import { PeakMeter } from "./peaks.ts";

export type RecordingUploader = Pick<RuntimeApi, "uploadRecording" | "putWaveform">;

/** The prefix of a session's recording directory (the rest is made unique by mkdtemp). */
export const recordingDirPrefix = (sessionId: string): string => `speaknode-${sessionId}-`;
/** The session a directory name belongs to, or null for anything else. */
export function sessionOfRecordingDir(name: string): string | null {
  return /^speaknode-(ses_[0-9a-z]{26})-[^/]+$/.exec(name)?.[1] ?? null;
}

const tracks: RecordingTrack[] = ["composite", "user", "agent"];
const ownerFile = ".owner";
/** Distinguishes this process from an earlier one that had the same pid (a restarted container). */
const processToken = randomUUID();

export interface RecordingOwner {
  pid: number;
  token: string;
}

export async function claimRecordingDir(dir: string): Promise<void> {
  await writeFile(join(dir, ownerFile), JSON.stringify({ pid: process.pid, token: processToken } satisfies RecordingOwner));
}

/** Who holds `dir`: "self", another living process ("other"), or nobody living ("none"). */
export async function recordingDirHolder(dir: string): Promise<"self" | "other" | "none"> {
  let owner: Partial<RecordingOwner>;
  try {
    owner = JSON.parse(await readFile(join(dir, ownerFile), "utf8")) as Partial<RecordingOwner>;
  } catch {
    return "none";
  }
  if (owner.token === processToken) return "self";
  // our own pid under another token is an earlier incarnation of this process: dead
  if (typeof owner.pid !== "number" || owner.pid === process.pid) return "none";
  return isProcessAlive(owner.pid) ? "other" : "none";
}

/**
 * Uploads the tracks in `dir` (header repaired first, for files a crash cut short), then the
 * waveform (`waveform`, or computed from the composite track), then removes `dir`. Throws if any
 * upload failed, leaving `dir` and its files in place and unowned.
 */
export async function deliverRecording(api: RecordingUploader, sessionId: string, dir: string, waveform?: WaveformBody): Promise<{ audioAvailable: boolean }> {
  await claimRecordingDir(dir);
  let composite: string | undefined;
  try {
    for (const track of tracks) {
      const path = join(dir, `${track}.wav`);
      const dataBytes = await repairWav(path).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      });
      if (!dataBytes) continue;
      await api.uploadRecording(sessionId, track, path);
      if (track === "composite") composite = path;
    }
    if (composite) {
      const body = waveform ?? (await waveformOf(composite));
      if (body.peaks.length > 0) await api.putWaveform(sessionId, body);
    }
  } catch (err) {
    await unlink(join(dir, ownerFile)).catch(() => undefined);
    throw err;
  }
  await rm(dir, { recursive: true, force: true });
  return { audioAvailable: composite !== undefined };
}

/** The waveform of a 16-bit mono WAV written by our writer, read from disk in chunks. */
export async function waveformOf(path: string): Promise<WaveformBody> {
  const header = Buffer.alloc(44);
  const handle = createReadStream(path, { start: 0, end: 43 });
  let offset = 0;
  for await (const chunk of handle) offset += (chunk as Buffer).copy(header, offset);
  const sampleRateHz = header.readUInt32LE(24) || 16000;
  const meter = new PeakMeter(waveformMaxPeaks, Math.max(1, Math.round(sampleRateHz / 1000)));
  let samples = 0;
  let carry: Buffer | undefined;
  for await (const raw of createReadStream(path, { start: 44, highWaterMark: 1024 * 1024 })) {
    let chunk = raw as Buffer;
    if (carry) chunk = Buffer.concat([carry, chunk]);
    const whole = chunk.length - (chunk.length % 2);
    carry = whole < chunk.length ? chunk.subarray(whole) : undefined;
    const pcm = new Int16Array(whole / 2);
    for (let i = 0; i < pcm.length; i++) pcm[i] = chunk.readInt16LE(i * 2);
    meter.add(pcm);
    samples += pcm.length;
  }
  return { peaks: meter.result(), durationMs: Math.min(24 * 60 * 60 * 1000, Math.round((samples / sampleRateHz) * 1000)) };
}
