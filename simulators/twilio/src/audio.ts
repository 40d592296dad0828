// Audio helpers of the simulated phone line, written here on purpose (the simulator is an
// independent implementation, it shares no codec with the product): G.711 μ-law, which is what
// Twilio Media Streams carry (audio/x-mulaw, 8000 Hz, mono, 20 ms = 160 bytes a frame), 16-bit
// PCM WAV files, a simple resampler, levels in dBFS, a tone generator and flite speech.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const sampleRate = 8000;
export const frameMs = 20;
export const frameSamples = (sampleRate * frameMs) / 1000;

const bias = 0x84;
const clip = 32635;

/** ITU-T G.711 μ-law encoding of one 16-bit sample. */
export function mulawEncodeSample(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > clip) s = clip;
  s += bias;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** ITU-T G.711 μ-law decoding of one byte. */
export function mulawDecodeSample(byte: number): number {
  const u = ~byte & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + bias) << exponent) - bias;
  return sign ? -magnitude : magnitude;
}

export function mulawEncode(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = mulawEncodeSample(pcm[i] ?? 0);
  return out;
}

export function mulawDecode(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = mulawDecodeSample(bytes[i] ?? 0xff);
  return out;
}

/** μ-law silence: the code of sample 0. */
export const mulawSilence = mulawEncodeSample(0);

/** Level of a stretch of audio in dBFS (RMS relative to full scale); -Infinity for digital silence. */
export function dbfs(pcm: Int16Array): number {
  if (pcm.length === 0) return -Infinity;
  let sum = 0;
  for (const s of pcm) sum += s * s;
  const rms = Math.sqrt(sum / pcm.length);
  return rms === 0 ? -Infinity : 20 * Math.log10(rms / 32768);
}

/** A sine tone (a voicemail beep is 1 kHz). */
export function tone(frequencyHz: number, durationMs: number, amplitude = 0.5): Int16Array {
  const n = Math.round((sampleRate * durationMs) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate));
  return out;
}

export function silence(durationMs: number): Int16Array {
  return new Int16Array(Math.round((sampleRate * durationMs) / 1000));
}

/** Linear resampling, with a moving-average low-pass first when going down in rate. */
export function resample(pcm: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return pcm;
  let input = pcm;
  if (toRate < fromRate) {
    const width = Math.max(1, Math.round(fromRate / toRate));
    const smoothed = new Int16Array(pcm.length);
    let acc = 0;
    for (let i = 0; i < pcm.length; i++) {
      acc += pcm[i] ?? 0;
      if (i >= width) acc -= pcm[i - width] ?? 0;
      smoothed[i] = Math.round(acc / Math.min(width, i + 1));
    }
    input = smoothed;
  }
  const n = Math.floor((input.length * toRate) / fromRate);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const pos = (i * fromRate) / toRate;
    const j = Math.floor(pos);
    const frac = pos - j;
    out[i] = Math.round((input[j] ?? 0) * (1 - frac) + (input[j + 1] ?? input[j] ?? 0) * frac);
  }
  return out;
}

/** A mono 16-bit PCM WAV file. */
export function wavEncode(pcm: Int16Array, rate = sampleRate): Buffer {
  const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Samples of a PCM16 WAV (first channel) and its rate; walks the chunks, as flite's output may carry extra ones. */
export function wavDecode(file: Buffer): { pcm: Int16Array; rate: number } {
  if (file.toString("ascii", 0, 4) !== "RIFF" || file.toString("ascii", 8, 12) !== "WAVE") throw new Error("not a WAV file");
  let offset = 12;
  let rate = 0;
  let channels = 1;
  let bits = 16;
  while (offset + 8 <= file.length) {
    const id = file.toString("ascii", offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      channels = file.readUInt16LE(body + 2);
      rate = file.readUInt32LE(body + 4);
      bits = file.readUInt16LE(body + 14);
    } else if (id === "data") {
      if (bits !== 16 || rate === 0) throw new Error("only 16-bit PCM WAV is supported");
      const end = Math.min(file.length, body + size);
      const frames = Math.floor((end - body) / (2 * channels));
      const pcm = new Int16Array(frames);
      for (let i = 0; i < frames; i++) pcm[i] = file.readInt16LE(body + i * 2 * channels);
      return { pcm, rate };
    }
    offset = body + size + (size % 2);
  }
  throw new Error("WAV file without data");
}

/** Speech for a phrase with flite (a Debian package), at 8 kHz. */
export function fliteSpeak(text: string): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), "twilio-sim-"));
  try {
    const out = join(dir, "say.wav");
    execFileSync("flite", ["-t", text, "-o", out], { stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 });
    const { pcm, rate } = wavDecode(readFileSync(out));
    return resample(pcm, rate, sampleRate);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
