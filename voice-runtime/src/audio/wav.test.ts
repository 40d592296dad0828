import { appendFile, mkdtemp, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WavError, WavWriter, parseWav, readWav, repairWav } from "./wav.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wav-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ramp(length: number, from: number): Int16Array {
  return Int16Array.from({ length }, (_, i) => ((from + i * 37) % 65536) - 32768);
}

/** A RIFF chunk: id, little-endian size, body and the pad byte an odd size needs. */
function chunk(id: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, "ascii");
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
}

function fmt(opts: { tag?: number; channels?: number; rateHz?: number; bits?: number }): Buffer {
  const b = Buffer.alloc(16);
  const channels = opts.channels ?? 1;
  const bits = opts.bits ?? 16;
  b.writeUInt16LE(opts.tag ?? 1, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(opts.rateHz ?? 8000, 4);
  b.writeUInt32LE(((opts.rateHz ?? 8000) * channels * bits) / 8, 8);
  b.writeUInt16LE((channels * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  return b;
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from("WAVE", "ascii"), ...chunks]);
  const head = Buffer.alloc(8);
  head.write("RIFF", 0, "ascii");
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

describe("WavWriter", () => {
  it("appends audio as it comes and reads back exactly what was written", async () => {
    const path = join(dir, "a.wav");
    const writer = await WavWriter.create(path, 16000);
    writer.write(ramp(1000, 0));
    await writer.flush();
    writer.write(ramp(333, 1000));
    writer.write(ramp(10, 5000));
    await writer.close();
    const wav = readWav(path);
    expect(wav.sampleRateHz).toBe(16000);
    expect(wav.channels).toBe(1);
    expect(Array.from(wav.samples)).toEqual([...ramp(1000, 0), ...ramp(333, 1000), ...ramp(10, 5000)]);
    expect(writer.sizeBytes).toBe(44 + 1343 * 2);
    expect((await readFile(path)).length).toBe(writer.sizeBytes);
  });

  it("leaves a complete WAV on disk after every flush, so a crash mid-call keeps what was flushed", async () => {
    const path = join(dir, "b.wav");
    const writer = await WavWriter.create(path, 8000);
    writer.write(ramp(500, 7));
    await writer.flush();
    writer.write(ramp(100, 9)); // buffered, never flushed
    const bytes = await readFile(path);
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
    expect(bytes.readUInt32LE(40)).toBe(1000);
    expect(Array.from(parseWav(bytes).samples)).toEqual(Array.from(ramp(500, 7)));
    await writer.close();
  });

  it("keeps the audio of a flush whose write failed and writes it with the next flush", async () => {
    const path = join(dir, "full.wav");
    const writer = await WavWriter.create(path, 16000);
    writer.write(ramp(400, 1));
    await writer.flush();
    // A full disk for one write: the FileHandle prototype is shared by every open file.
    const probe = await open(join(dir, "probe"), "w");
    const handleProto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const failOnce = vi.spyOn(handleProto, "write").mockRejectedValueOnce(Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" }));
    try {
      writer.write(ramp(300, 2));
      await expect(writer.flush()).rejects.toThrow(/ENOSPC/);
    } finally {
      failOnce.mockRestore();
    }
    writer.write(ramp(200, 3));
    await writer.close();
    expect(Array.from(readWav(path).samples)).toEqual([...ramp(400, 1), ...ramp(300, 2), ...ramp(200, 3)]);
    expect((await readFile(path)).length).toBe(44 + 900 * 2);
  });

  it("writes a valid empty WAV when nothing was recorded", async () => {
    const path = join(dir, "c.wav");
    const writer = await WavWriter.create(path, 16000);
    await writer.close();
    expect(readWav(path).samples.length).toBe(0);
    expect((await readFile(path)).length).toBe(44);
  });
});

describe("repairWav", () => {
  it("makes a file cut short by a crash whole: sizes cover the audio after the last flush, a half sample is dropped", async () => {
    const path = join(dir, "crashed.wav");
    const writer = await WavWriter.create(path, 16000);
    writer.write(ramp(100, 1));
    await writer.flush();
    await writer.close();
    // what a write that landed before its header patch leaves behind, ending mid-sample
    await appendFile(path, Buffer.concat([Buffer.from(ramp(50, 2).buffer), Buffer.from([0x12])]));
    expect(await repairWav(path)).toBe(300);
    expect((await stat(path)).size).toBe(44 + 300);
    const bytes = await readFile(path);
    expect([bytes.readUInt32LE(4), bytes.readUInt32LE(40)]).toEqual([36 + 300, 300]);
    expect(Array.from(parseWav(bytes).samples)).toEqual([...ramp(100, 1), ...ramp(50, 2)]);
    expect(await repairWav(path)).toBe(300);
  });

  it("leaves files it did not write alone", async () => {
    const path = join(dir, "other.wav");
    const other = riff(chunk("LIST", Buffer.from("INFOabcd")), chunk("fmt ", fmt({})), chunk("data", Buffer.from(ramp(4, 1).buffer)));
    await writeFile(path, other);
    expect(await repairWav(path)).toBeNull();
    expect(await readFile(path)).toEqual(other);
  });
});

describe("readWav", () => {
  it("skips chunks it does not know, odd-sized ones included", () => {
    const data = Buffer.from(ramp(6, 100).buffer);
    const wav = parseWav(riff(chunk("JUNK", Buffer.alloc(3, 7)), chunk("fmt ", fmt({ rateHz: 22050 })), chunk("LIST", Buffer.from("INFOabc")), chunk("data", data)));
    expect(wav).toEqual({ sampleRateHz: 22050, channels: 1, samples: ramp(6, 100) });
  });

  it("reads interleaved stereo and the extensible format header", () => {
    const ext = Buffer.concat([fmt({ tag: 0xfffe, channels: 2, rateHz: 48000 }), Buffer.alloc(24)]);
    ext.writeUInt16LE(22, 16); // cbSize
    ext.writeUInt16LE(1, 24); // sub-format: PCM
    const wav = parseWav(riff(chunk("fmt ", ext), chunk("data", Buffer.from(ramp(8, 3).buffer))));
    expect(wav.channels).toBe(2);
    expect(wav.sampleRateHz).toBe(48000);
    expect(wav.samples).toEqual(ramp(8, 3));
  });

  it("reads to the end of a file whose data size was never patched", () => {
    const bytes = riff(chunk("fmt ", fmt({})), chunk("data", Buffer.from(ramp(10, 1).buffer)));
    bytes.writeUInt32LE(0, bytes.length - 20 - 8 + 4); // the data chunk's size field
    expect(parseWav(bytes).samples).toEqual(ramp(10, 1));
  });

  it("rejects what is not 16-bit PCM WAV", () => {
    expect(() => parseWav(Buffer.from("not a wav file at all"))).toThrow(WavError);
    expect(() => parseWav(riff(chunk("fmt ", fmt({ bits: 8 })), chunk("data", Buffer.alloc(4))))).toThrow(/16-bit PCM/);
    expect(() => parseWav(riff(chunk("fmt ", fmt({ tag: 3, bits: 32 })), chunk("data", Buffer.alloc(4))))).toThrow(WavError);
    expect(() => parseWav(riff(chunk("fmt ", fmt({}))))).toThrow(/no data chunk/);
  });
});
