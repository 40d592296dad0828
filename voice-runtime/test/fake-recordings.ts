// The recording half of the fake runtime API: multipart uploads held on disk (never in memory,
// so a test can send hours of audio) under the rules the real path enforces — the platform's
// 100 MiB request cap, the Worker's part and track limits, and R2's (every part but the last the
// same size, at least 5 MiB; the last no larger; etags must match the parts that stayed).
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { RecordingCompleteBody, RecordingUploadBody, recordingMaxBytes, recordingPartMaxBytes, recordingPartMinBytes } from "@speaknode/contracts";

/** What Cloudflare lets through in one request body on the Workers plans we deploy to. */
export const platformRequestCapBytes = 100 * 1024 * 1024;

export interface FakeRecording {
  sessionId: string;
  track: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  partSizes: number[];
  /** When the upload was created and completed (ms since the epoch). */
  startedAtMs: number;
  completedAtMs: number;
  /** The stored bytes (reads them from disk: for short recordings). */
  read(): Promise<Buffer>;
}

interface Part {
  path: string;
  sizeBytes: number;
  etag: string;
}

interface Upload {
  startedAtMs: number;
  sessionId: string;
  track: string;
  contentType: string;
  parts: Map<number, Part>;
}

type Reply = (status: number, json: unknown) => void;

const problem = (reply: Reply, status: number, code: string) => reply(status, { type: "about:blank", title: code, status, code, detail: code });

export class FakeRecordingStore {
  readonly recordings: FakeRecording[] = [];
  /** The largest request body the recording routes received. */
  maxRequestBytes = 0;
  partRequests = 0;
  /** Answer this many of the next part uploads with 503 after reading them (to exercise retries). */
  failNextParts = 0;
  /** How long each part takes to be answered (a slow uplink). */
  partDelayMs = 0;
  readonly #dir: string;
  readonly #uploads = new Map<string, Upload>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Uploads created and neither completed nor aborted. */
  get openUploads(): number {
    return this.#uploads.size;
  }

  /** Handles `rest` (the path after /runtime/v1/sessions/{id}/) when it is a recording route. */
  async handle(req: IncomingMessage, sessionId: string, rest: string, reply: Reply): Promise<boolean> {
    const m = rest.match(/^recording\/(composite|user|agent)\/uploads(?:\/([^/]+)(?:\/(complete|parts\/(\d+)))?)?$/);
    if (!m) return false;
    const [, track = "", uploadId, action, partNumber] = m;
    if (req.method === "POST" && !uploadId) {
      const body = RecordingUploadBody.safeParse(JSON.parse((await readBody(req)).toString("utf8")));
      if (!body.success) return (problem(reply, 400, "validation_failed"), true);
      if (body.data.sizeBytes > recordingMaxBytes) return (problem(reply, 413, "payload_too_large"), true);
      const id = randomUUID();
      this.#uploads.set(id, { startedAtMs: Date.now(), sessionId, track, contentType: body.data.contentType, parts: new Map() });
      reply(201, { uploadId: id, objectKey: `recordings/${sessionId}/${track}` });
      return true;
    }
    const upload = uploadId ? this.#uploads.get(decodeURIComponent(uploadId)) : undefined;
    if (!upload || upload.sessionId !== sessionId || upload.track !== track) {
      req.resume();
      return (problem(reply, 404, "not_found"), true);
    }
    if (req.method === "PUT" && partNumber) return (await this.#part(req, upload, Number(partNumber), reply), true);
    if (req.method === "POST" && action === "complete") return (await this.#complete(req, uploadId ?? "", upload, reply), true);
    if (req.method === "DELETE" && !action) {
      this.#uploads.delete(decodeURIComponent(uploadId ?? ""));
      reply(204, null);
      return true;
    }
    return false;
  }

  async #part(req: IncomingMessage, upload: Upload, partNumber: number, reply: Reply): Promise<void> {
    this.partRequests += 1;
    const declared = Number(req.headers["content-length"]);
    if (!Number.isSafeInteger(declared) || declared > platformRequestCapBytes || declared > recordingPartMaxBytes) {
      req.resume();
      return problem(reply, Number.isSafeInteger(declared) ? 413 : 400, "payload_too_large");
    }
    const path = join(this.#dir, `${randomUUID()}.part`);
    const hash = createHash("md5");
    let received = 0;
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
      hash.update(chunk);
    });
    await pipeline(req, createWriteStream(path));
    this.maxRequestBytes = Math.max(this.maxRequestBytes, received);
    if (received !== declared || received === 0) return problem(reply, 400, "validation_failed");
    if (this.partDelayMs > 0) await new Promise((r) => setTimeout(r, this.partDelayMs));
    if (this.failNextParts > 0) {
      this.failNextParts -= 1;
      return problem(reply, 503, "upstream_unavailable");
    }
    const etag = hash.digest("hex");
    upload.parts.set(partNumber, { path, sizeBytes: received, etag });
    reply(200, { partNumber, etag });
  }

  async #complete(req: IncomingMessage, uploadId: string, upload: Upload, reply: Reply): Promise<void> {
    const body = RecordingCompleteBody.safeParse(JSON.parse((await readBody(req)).toString("utf8")));
    if (!body.success) return problem(reply, 400, "validation_failed");
    const listed = [...body.data.parts].sort((a, b) => a.partNumber - b.partNumber);
    const parts = listed.map((p) => upload.parts.get(p.partNumber));
    if (parts.some((p, i) => !p || p.etag !== listed[i]?.etag)) return problem(reply, 400, "validation_failed");
    const stored = parts as Part[];
    const size = stored[0]?.sizeBytes ?? 0;
    const rest = stored.slice(0, -1);
    if (rest.some((p) => p.sizeBytes !== size || p.sizeBytes < recordingPartMinBytes) || (stored.at(-1)?.sizeBytes ?? 0) > size) {
      return problem(reply, 400, "validation_failed");
    }
    const sha = createHash("sha256");
    for (const part of stored) for await (const chunk of createReadStream(part.path)) sha.update(chunk as Buffer);
    const sizeBytes = stored.reduce((n, p) => n + p.sizeBytes, 0);
    this.#uploads.delete(decodeURIComponent(uploadId));
    const previous = this.recordings.findIndex((r) => r.sessionId === upload.sessionId && r.track === upload.track);
    if (previous >= 0) this.recordings.splice(previous, 1);
    this.recordings.push({
      sessionId: upload.sessionId,
      track: upload.track,
      contentType: upload.contentType,
      sizeBytes,
      sha256: sha.digest("hex"),
      partSizes: stored.map((p) => p.sizeBytes),
      startedAtMs: upload.startedAtMs,
      completedAtMs: Date.now(),
      read: async () => Buffer.concat(await Promise.all(stored.map((p) => readFile(p.path)))),
    });
    reply(200, { track: upload.track, objectKey: `recordings/${upload.sessionId}/${upload.track}`, contentType: upload.contentType, sizeBytes });
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
