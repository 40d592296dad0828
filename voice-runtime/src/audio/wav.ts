// WAV (RIFF, PCM16) writing and reading. The writer streams: it appends audio as a call runs and
// rewrites the two RIFF size fields on every flush, so a file cut short by a crash is still a valid
// WAV up to its last flush. The reader accepts what common tools write (extensible format headers,
// LIST/fact chunks before the data) and files whose sizes were never patched.
import { readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { endianness } from "node:os";

const headerBytes = 44;
const formatPcm = 1;
const formatExtensible = 0xfffe;

export interface WavAudio {
  sampleRateHz: number;
  channels: number;
  /** Interleaved when `channels` > 1. */
  samples: Int16Array;
}

export class WavError extends Error {
  override name = "WavError";
}

function header(sampleRateHz: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(headerBytes);
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write("WAVE", 8, "ascii");
  h.write("fmt ", 12, "ascii");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(formatPcm, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRateHz, 24);
  h.writeUInt32LE(sampleRateHz * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36, "ascii");
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

const littleEndianHost = endianness() === "LE";

/** Little-endian bytes of `samples` (a copy), whatever the host's byte order. */
function pcmBytes(samples: Int16Array): Buffer {
  if (littleEndianHost) return Buffer.from(new Int16Array(samples).buffer);
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}

/** Samples from little-endian bytes, which may start at an odd offset. */
function pcmSamples(bytes: Buffer): Int16Array {
  const samples = new Int16Array(Math.floor(bytes.length / 2));
  if (littleEndianHost) {
    Buffer.from(samples.buffer).set(bytes.subarray(0, samples.length * 2));
    return samples;
  }
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
  return samples;
}

/** A whole PCM16 mono WAV in memory (a short clip such as a voice preview). */
export function encodeWav(samples: Int16Array, sampleRateHz: number): Buffer {
  if (!Number.isInteger(sampleRateHz) || sampleRateHz <= 0) throw new WavError(`bad sample rate ${sampleRateHz}`);
  const data = pcmBytes(samples);
  return Buffer.concat([header(sampleRateHz, 1, data.length), data]);
}

/** Appends PCM16 mono audio to a WAV file as it comes. `write` buffers; `flush` puts it on disk. */
export class WavWriter {
  readonly path: string;
  readonly sampleRateHz: number;
  private readonly file: FileHandle;
  private pending: Buffer[] = [];
  private dataBytes = 0;
  private closed = false;
  // one disk operation at a time, in the order asked for
  private queue: Promise<void> = Promise.resolve();

  private constructor(path: string, sampleRateHz: number, file: FileHandle) {
    this.path = path;
    this.sampleRateHz = sampleRateHz;
    this.file = file;
  }

  /** Creates (or truncates) `path` and writes a header for an empty recording. */
  static async create(path: string, sampleRateHz: number): Promise<WavWriter> {
    if (!Number.isInteger(sampleRateHz) || sampleRateHz <= 0) throw new WavError(`bad sample rate ${sampleRateHz}`);
    const file = await open(path, "w");
    try {
      await file.write(header(sampleRateHz, 1, 0), 0, headerBytes, 0);
    } catch (err) {
      await file.close();
      throw err;
    }
    return new WavWriter(path, sampleRateHz, file);
  }

  /** Samples written so far, flushed or not. */
  get sampleCount(): number {
    return (this.dataBytes + this.pending.reduce((n, b) => n + b.length, 0)) / 2;
  }

  /** The file's size once everything written so far is flushed. */
  get sizeBytes(): number {
    return headerBytes + this.sampleCount * 2;
  }

  write(samples: Int16Array): void {
    if (this.closed) throw new WavError(`${this.path} is closed`);
    if (samples.length > 0) this.pending.push(pcmBytes(samples));
  }

  /** Appends what was written since the last flush and patches the RIFF sizes to cover it. */
  flush(): Promise<void> {
    const run = this.queue.then(() => this.flushNow());
    // a failed flush is reported to its caller; the queue itself keeps going
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Flushes and closes the file. Later calls are no-ops. */
  async close(): Promise<void> {
    if (this.closed) return this.queue;
    this.closed = true;
    const run = this.queue.then(async () => {
      try {
        await this.flushNow();
      } finally {
        await this.file.close();
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    if (this.pending.length === 0) return;
    // The buffered audio stays buffered until it is on disk: a failed write (a full disk) is
    // retried whole, at the same offset, by the next flush. Writes made meanwhile queue behind it.
    const count = this.pending.length;
    const chunk = Buffer.concat(this.pending);
    await writeFully(this.file, chunk, headerBytes + this.dataBytes);
    this.pending.splice(0, count);
    this.dataBytes += chunk.length;
    await patchSizes(this.file, this.dataBytes);
    await this.file.datasync();
  }
}

async function writeFully(file: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/** Rewrites the RIFF and data sizes of a canonical 44-byte header for `dataBytes` of audio. */
async function patchSizes(file: FileHandle, dataBytes: number): Promise<void> {
  const sizes = Buffer.alloc(4);
  sizes.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 0);
  await file.write(sizes, 0, 4, 4);
  sizes.writeUInt32LE(Math.min(0xffffffff - 36, dataBytes), 0);
  await file.write(sizes, 0, 4, 40);
}

/**
 * Makes a WAV this module wrote whole again after its writer died mid-call: the sizes in the
 * header may trail the audio appended after the last flush, and the file may end in half a sample.
 * Drops the half sample and patches the sizes to cover the rest. Returns the audio's byte count,
 * or null when the file is not a WAV with the header this writer writes (then it is left as is).
 */
export async function repairWav(path: string): Promise<number | null> {
  const file = await open(path, "r+");
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(headerBytes);
    const { bytesRead } = await file.read(head, 0, headerBytes, 0);
    const canonical = bytesRead === headerBytes && head.toString("ascii", 0, 4) === "RIFF" && head.toString("ascii", 8, 16) === "WAVEfmt " && head.toString("ascii", 36, 40) === "data";
    if (!canonical) return null;
    const dataBytes = size - headerBytes - ((size - headerBytes) % 2);
    if (dataBytes !== size - headerBytes) await file.truncate(headerBytes + dataBytes);
    if (head.readUInt32LE(40) !== dataBytes || head.readUInt32LE(4) !== 36 + dataBytes) {
      await patchSizes(file, dataBytes);
      await file.datasync();
    }
    return dataBytes;
  } finally {
    await file.close();
  }
}

/** Decodes a 16-bit PCM WAV file (or its bytes). Synchronous: for tests, tools and small files. */
export function readWav(source: string | Buffer): WavAudio {
  return parseWav(typeof source === "string" ? readFileSync(source) : source);
}

export function parseWav(bytes: Buffer): WavAudio {
  if (bytes.length < 12 || bytes.toString("ascii", 0, 4) !== "RIFF" || bytes.toString("ascii", 8, 12) !== "WAVE") {
    throw new WavError("not a RIFF/WAVE file");
  }
  let format: { sampleRateHz: number; channels: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString("ascii", offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > bytes.length) throw new WavError("truncated fmt chunk");
      let tag = bytes.readUInt16LE(body);
      // WAVE_FORMAT_EXTENSIBLE names the real format in the first two bytes of its sub-format GUID
      if (tag === formatExtensible && size >= 40) tag = bytes.readUInt16LE(body + 24);
      const bits = bytes.readUInt16LE(body + 14);
      if (tag !== formatPcm || bits !== 16) throw new WavError(`unsupported format ${tag} with ${bits} bits; only 16-bit PCM`);
      format = { channels: bytes.readUInt16LE(body + 2), sampleRateHz: bytes.readUInt32LE(body + 4) };
    } else if (id === "data") {
      if (!format) throw new WavError("data chunk before fmt chunk");
      // a writer that died before patching the sizes leaves 0 (or a placeholder): take the rest
      const available = bytes.length - body;
      const length = size === 0 || size > available ? available : size;
      return { ...format, samples: pcmSamples(bytes.subarray(body, body + length)) };
    }
    // chunks are word-aligned: an odd-sized one is followed by a pad byte
    offset = body + size + (size % 2);
  }
  throw new WavError(format ? "no data chunk" : "no fmt chunk");
}
