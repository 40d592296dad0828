// Plays a recording from the object store through a signed, expiring link, with byte ranges so
// an audio player can seek.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { idSchema } from "@speaknode/contracts";
import { sessionRecordings } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { checkRecordingSignature } from "../sessions/recording-urls.ts";

interface RecordingBucket {
  get(key: string, options?: { range?: { offset: number; length?: number } }): Promise<{ body: ReadableStream; size: number } | null>;
}

export function registerRecordingsServe(app: OpenAPIHono<AppEnv>): void {
  app.get("/recordings/:sessionId/:track", async (c) => {
    const sessionId = idSchema("session").safeParse(c.req.param("sessionId"));
    const track = c.req.param("track");
    if (!sessionId.success || !["composite", "user", "agent"].includes(track)) throw notFound("recording");
    const verdict = await checkRecordingSignature(c.get("config").runtime.tokenSecret, sessionId.data, track, c.req.query("exp") ?? "", c.req.query("sig") ?? "");
    if (verdict === "expired") throw new ApiError("gone", "the recording link has expired: open the session again for a fresh one");
    if (verdict === "invalid") throw new ApiError("forbidden", "the recording link is not valid");
    const [row] = await c
      .get("db")
      .select()
      .from(sessionRecordings)
      .where(and(eq(sessionRecordings.sessionId, sessionId.data), eq(sessionRecordings.track, track as "composite" | "user" | "agent")));
    if (!row) throw notFound("recording");
    const bucket = c.env["RECORDINGS"] as RecordingBucket | undefined;
    if (!bucket) throw new Error("the RECORDINGS bucket binding is missing");
    const range = /^bytes=(\d+)-(\d*)$/.exec(c.req.header("range") ?? "");
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Math.min(Number(range[2]), row.sizeBytes - 1) : row.sizeBytes - 1;
    if (range && (start >= row.sizeBytes || end < start)) {
      return c.body(null, 416, { "content-range": `bytes */${row.sizeBytes}` });
    }
    const object = await bucket.get(row.objectKey, range ? { range: { offset: start, length: end - start + 1 } } : undefined);
    if (!object) throw notFound("recording");
    const headers = { "content-type": row.contentType, "accept-ranges": "bytes", "cache-control": "private, max-age=300", "content-length": String(end - start + 1) };
    if (range) return c.body(object.body, 206, { ...headers, "content-range": `bytes ${start}-${end}/${row.sizeBytes}` });
    return c.body(object.body, 200, headers);
  });
}
