// Greetings already spoken, as 16-bit PCM: files under the runtime's data directory (shared by the
// processes of one runtime, LiveKit's job processes included) with a byte cap, and an in-memory LRU
// in front so a session of this process starts its greeting without touching the disk.
// Files are written whole under a temporary name and renamed, so a reader (another process) sees a
// complete clip or none. Eviction drops the least recently used files (a hit refreshes the mtime).
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { errorFields, log } from "../log.ts";

/** Interleaved 16-bit samples at one rate. */
export interface GreetingClip {
  sampleRateHz: number;
  channels: number;
  samples: Int16Array;
}

export interface GreetingCacheOptions {
  dir: string;
  /** Bytes the files may take together; the oldest go past it. Default 256 MiB. */
  maxDiskBytes?: number;
  /** Bytes of clips this process keeps in memory. Default 32 MiB. */
  maxMemoryBytes?: number;
}

const magic = 0x31474e53; // "SNG1", little-endian
const headerBytes = 16;
const suffix = ".pcm";
/** A temporary file older than this was left by a process that died while writing. */
const staleTempMs = 10 * 60_000;

const clipBytes = (clip: GreetingClip) => clip.samples.byteLength;

export function encodeClip(clip: GreetingClip): Buffer {
  const out = Buffer.alloc(headerBytes + clip.samples.byteLength);
  out.writeUInt32LE(magic, 0);
  out.writeUInt32LE(clip.sampleRateHz, 4);
  out.writeUInt16LE(clip.channels, 8);
  out.writeUInt32LE(clip.samples.length, 12);
  Buffer.from(clip.samples.buffer, clip.samples.byteOffset, clip.samples.byteLength).copy(out, headerBytes);
  return out;
}

/** The clip in a file's bytes; null when they are not a whole clip (truncated, another format). */
export function decodeClip(bytes: Buffer): GreetingClip | null {
  if (bytes.length < headerBytes || bytes.readUInt32LE(0) !== magic) return null;
  const sampleRateHz = bytes.readUInt32LE(4);
  const channels = bytes.readUInt16LE(8);
  const count = bytes.readUInt32LE(12);
  if (sampleRateHz === 0 || channels === 0 || count === 0 || bytes.length !== headerBytes + count * 2) return null;
  const samples = new Int16Array(count);
  Buffer.from(samples.buffer).set(bytes.subarray(headerBytes));
  return { sampleRateHz, channels, samples };
}

export class GreetingCache {
  readonly dir: string;
  readonly #maxDiskBytes: number;
  readonly #maxMemoryBytes: number;
  /** Insertion order is recency: a hit moves its entry to the end. */
  readonly #memory = new Map<string, GreetingClip>();
  #memoryBytes = 0;
  #ready: Promise<void> | undefined;

  constructor(options: GreetingCacheOptions) {
    this.dir = options.dir;
    this.#maxDiskBytes = options.maxDiskBytes ?? 256 * 1024 * 1024;
    this.#maxMemoryBytes = options.maxMemoryBytes ?? 32 * 1024 * 1024;
    if (this.#maxDiskBytes <= 0 || this.#maxMemoryBytes < 0) throw new Error("the greeting cache needs a positive disk cap");
  }

  /** The clip if this process holds it in memory (no I/O). */
  peek(key: string): GreetingClip | undefined {
    const clip = this.#memory.get(key);
    if (clip) {
      this.#memory.delete(key);
      this.#memory.set(key, clip);
    }
    return clip;
  }

  /** The clip from memory, else from disk (then kept in memory); undefined on a miss. */
  async get(key: string): Promise<GreetingClip | undefined> {
    const held = this.peek(key);
    if (held) return held;
    const file = this.#file(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      return undefined;
    }
    const clip = decodeClip(bytes);
    if (!clip) {
      // Not ours or damaged: gone, so the next session writes a good one.
      await rm(file, { force: true }).catch(() => {});
      return undefined;
    }
    const now = new Date();
    void utimes(file, now, now).catch(() => {});
    this.#remember(key, clip);
    return clip;
  }

  async has(key: string): Promise<boolean> {
    if (this.#memory.has(key)) return true;
    return stat(this.#file(key)).then(
      () => true,
      () => false,
    );
  }

  /** Keeps a complete clip; callers never pass a failed or partial synthesis. */
  async put(key: string, clip: GreetingClip): Promise<void> {
    if (clip.samples.length === 0) throw new Error("an empty greeting is not cached");
    this.#remember(key, clip);
    await this.#prepare();
    const temp = join(this.dir, `${key}.${process.pid}.${randomUUID()}.tmp`);
    try {
      await writeFile(temp, encodeClip(clip));
      await rename(temp, this.#file(key));
    } finally {
      await rm(temp, { force: true }).catch(() => {});
    }
    await this.#evict().catch((err: unknown) => log.warn("greeting cache eviction failed", errorFields(err)));
  }

  #file(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error("a greeting key is a SHA-256 hex digest");
    return join(this.dir, `${key}${suffix}`);
  }

  #prepare(): Promise<void> {
    this.#ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    return this.#ready;
  }

  #remember(key: string, clip: GreetingClip): void {
    const old = this.#memory.get(key);
    if (old) {
      this.#memory.delete(key);
      this.#memoryBytes -= clipBytes(old);
    }
    if (clipBytes(clip) > this.#maxMemoryBytes) return;
    this.#memory.set(key, clip);
    this.#memoryBytes += clipBytes(clip);
    for (const [oldest, held] of this.#memory) {
      if (this.#memoryBytes <= this.#maxMemoryBytes) break;
      this.#memory.delete(oldest);
      this.#memoryBytes -= clipBytes(held);
    }
  }

  /** Drops the least recently used files until the rest fit under the cap. */
  async #evict(): Promise<void> {
    const names = await readdir(this.dir);
    const files: { path: string; bytes: number; usedMs: number }[] = [];
    const nowMs = Date.now();
    for (const name of names) {
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) continue;
      if (name.endsWith(".tmp")) {
        if (nowMs - info.mtimeMs > staleTempMs) await rm(path, { force: true }).catch(() => {});
        continue;
      }
      if (name.endsWith(suffix)) files.push({ path, bytes: info.size, usedMs: info.mtimeMs });
    }
    let total = files.reduce((n, f) => n + f.bytes, 0);
    if (total <= this.#maxDiskBytes) return;
    files.sort((a, b) => a.usedMs - b.usedMs);
    for (const file of files) {
      if (total <= this.#maxDiskBytes) break;
      await rm(file.path, { force: true });
      total -= file.bytes;
    }
  }
}

/** One cache per directory in a process: the HTTP warm route and the sessions share its memory. */
const opened = new Map<string, GreetingCache>();

/** The cache under the runtime's data directory (`<dataDir>/greetings`). */
export function openGreetingCache(settings: { dataDir: string }): GreetingCache {
  const dir = join(settings.dataDir, "greetings");
  let cache = opened.get(dir);
  if (!cache) {
    cache = new GreetingCache({ dir });
    opened.set(dir, cache);
  }
  return cache;
}
