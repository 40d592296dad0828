// One session's event spool on disk: an append-only file of JSON lines, one `{ eventId, event }`
// record each (the body the runtime API takes). A line is written and flushed to the disk
// (fdatasync) before its event may be sent, so whatever the API may have seen is on disk first;
// appends that arrive while a flush runs share the next one (group commit), so a burst of events
// costs one sync, and the write never blocks the audio path (it runs on libuv's pool).
//
// When every record in the file has been acknowledged the sink truncates it (nothing in it is
// needed any more); when the session's end has been acknowledged it removes it. A crash between
// an acknowledgment and the truncation only means a redelivery, which the API answers as a
// duplicate. The file name carries the owning process id, so a sweep in another process (or a
// restarted one) can tell a spool whose writer is gone from one still being written.
import { mkdir, open, readFile, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { RuntimeEventBody } from "@speaknode/contracts";

const namePattern = /^([A-Za-z0-9_-]{1,100})\.(\d{1,10})\.events\.jsonl$/;

/** The spool file name of `sessionId` written by process `pid`; undefined when the id is unfit for a file name. */
export function spoolFileName(sessionId: string, pid: number): string | undefined {
  const name = `${sessionId}.${pid}.events.jsonl`;
  return namePattern.test(name) ? name : undefined;
}

export function parseSpoolFileName(name: string): { sessionId: string; pid: number } | undefined {
  const m = namePattern.exec(name);
  return m ? { sessionId: m[1] ?? "", pid: Number(m[2]) } : undefined;
}

/** The records of a spool file, in order. A torn last line (the writer died mid-append) or a damaged one is skipped and counted. */
export async function readSpoolFile(path: string): Promise<{ records: RuntimeEventBody[]; skipped: number }> {
  const text = await readFile(path, "utf8");
  const lines = text.split("\n");
  // Everything after the last newline was never completely written, so its event was never sent.
  const torn = lines.pop() ?? "";
  const records: RuntimeEventBody[] = [];
  let skipped = torn.length > 0 ? 1 : 0;
  for (const line of lines) {
    if (line.length === 0) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      skipped += 1;
      continue;
    }
    const parsed = RuntimeEventBody.safeParse(json);
    if (parsed.success) records.push(parsed.data);
    else skipped += 1;
  }
  return { records, skipped };
}

export class SpoolFile {
  readonly path: string;
  readonly #dir: string;
  #handle: FileHandle | undefined;
  /** File operations run one after another, in the order they were asked for. */
  #chain: Promise<unknown> = Promise.resolve();
  #pending: { line: string; resolve: () => void; reject: (err: unknown) => void }[] = [];
  #flushQueued = false;
  /** Bytes in the file since it was last truncated (including lines still being written). */
  #bytes: number;

  /** `bytes`: what the file already holds (a recovered spool). */
  constructor(dir: string, name: string, bytes = 0) {
    this.#dir = dir;
    this.path = join(dir, name);
    this.#bytes = bytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends `line` (ending in a newline); resolves once it is on the disk. */
  append(line: string): Promise<void> {
    this.#bytes += Buffer.byteLength(line);
    return new Promise((resolve, reject) => {
      this.#pending.push({ line, resolve, reject });
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        void this.#run(() => this.#flush()).catch(() => {});
      }
    });
  }

  /** Empties the file: every record in it has been acknowledged. */
  truncate(): Promise<void> {
    return this.#run(async () => {
      // Lines asked for after the decision to truncate are still waiting; they must stay.
      if (this.#pending.length > 0 || !this.#handle) return;
      await this.#handle.truncate(0);
      this.#bytes = 0;
    });
  }

  /** Removes the file: the session's end has been acknowledged. */
  remove(): Promise<void> {
    return this.#run(async () => {
      await this.#handle?.close();
      this.#handle = undefined;
      await unlink(this.path).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      this.#bytes = 0;
    });
  }

  /** Closes the file and leaves it where it is (its records are someone else's to deliver). */
  close(): Promise<void> {
    return this.#run(async () => {
      await this.#handle?.close();
      this.#handle = undefined;
    });
  }

  #run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(op);
    this.#chain = result.catch(() => {});
    return result;
  }

  async #flush(): Promise<void> {
    // Appends from now on queue the next flush; this one takes what is there.
    this.#flushQueued = false;
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return;
    try {
      const handle = await this.#open();
      await handle.appendFile(batch.map((b) => b.line).join(""));
      await handle.datasync();
      for (const b of batch) b.resolve();
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle) return this.#handle;
    await mkdir(this.#dir, { recursive: true });
    const handle = await open(this.path, "a");
    // The new directory entry must survive a crash too, or the synced lines have no name.
    const dir = await open(this.#dir, "r");
    await dir.sync().finally(() => dir.close());
    this.#handle = handle;
    return handle;
  }
}

export function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === "ENOENT";
}
