// The voice runtime uploads a session's recording, one track at a time, streamed into R2.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { RecordingStored, RecordingTrack, recordingMaxBytes } from "@speaknode/contracts";
import { schema } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { jsonResponse, problemSpec } from "../lib/openapi.ts";
import { runtimeErrorResponses, runtimeSecurity } from "../runtime/openapi.ts";
import { recordingContentType, recordingKey, recordingsBucket } from "../runtime/recordings.ts";
import { loadRuntimeSession, RuntimeSessionParams } from "../runtime/session.ts";

const { sessionRecordings } = schema;
const audio = { schema: z.string().openapi({ format: "binary" }) };

export const route = createRoute({
  method: "put",
  path: "/runtime/v1/sessions/{sessionId}/recording/{track}",
  tags: ["runtime"],
  summary: "Upload (or replace) one track of the session's recording: WAV or Ogg, at most 100 MB, with Content-Length",
  security: runtimeSecurity,
  request: {
    params: RuntimeSessionParams.extend({ track: RecordingTrack }),
    body: { required: true, description: "The raw audio", content: { "audio/wav": audio, "audio/ogg": audio } },
  },
  responses: {
    200: jsonResponse(RecordingStored, "Stored"),
    ...runtimeErrorResponses,
    413: problemSpec("Larger than 100 MB"),
    415: problemSpec("Not audio/wav or audio/ogg"),
  },
});

function declaredLength(header: string | undefined): number {
  if (header === undefined) throw new ApiError("malformed_request", "the upload needs a Content-Length", { errors: [{ field: "header.content-length", message: "is required" }] });
  const length = /^\d{1,12}$/.test(header.trim()) ? Number(header.trim()) : NaN;
  if (!Number.isSafeInteger(length)) throw new ApiError("malformed_request", "Content-Length is not a number", { errors: [{ field: "header.content-length", message: "must be a byte count" }] });
  if (length > recordingMaxBytes) throw new ApiError("payload_too_large", `the recording is larger than ${recordingMaxBytes / 1024 / 1024} MB`);
  if (length === 0) throw new ApiError("validation_failed", "the recording is empty", { errors: [{ field: "body", message: "must not be empty" }] });
  return length;
}

export function registerRuntimeRecording(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sessionId, track } = c.req.valid("param");
    const session = await loadRuntimeSession(c, sessionId);
    const contentType = recordingContentType(c.req.header("content-type"));
    if (!contentType) throw new ApiError("unsupported_media_type", "a recording must be audio/wav or audio/ogg");
    const length = declaredLength(c.req.header("content-length"));
    const body = c.req.raw.body;
    if (!body) throw new ApiError("validation_failed", "the recording is empty", { errors: [{ field: "body", message: "must not be empty" }] });

    const db = c.get("db");
    const [previous] = await db
      .select({ objectKey: sessionRecordings.objectKey })
      .from(sessionRecordings)
      .where(and(eq(sessionRecordings.sessionId, session.id), eq(sessionRecordings.track, track)));
    const bucket = recordingsBucket(c);
    const objectKey = recordingKey(session.spaceId, session.id, track, contentType);
    // R2 needs the length up front; the fixed-length stream also fails the upload if the body
    // turns out longer or shorter than declared, so a truncated upload is never stored.
    const { readable, writable } = new FixedLengthStream(length);
    const [object] = await Promise.all([
      bucket.put(objectKey, readable, { httpMetadata: { contentType }, customMetadata: { sessionId: session.id, track } }),
      body.pipeTo(writable),
    ]);
    const values = { objectKey, contentType, sizeBytes: object.size, updatedAt: new Date() };
    await db
      .insert(sessionRecordings)
      .values({ sessionId: session.id, track, ...values })
      .onConflictDoUpdate({ target: [sessionRecordings.sessionId, sessionRecordings.track], set: values });
    // Replaced with another format: the old object would otherwise be orphaned.
    if (previous && previous.objectKey !== objectKey) await bucket.delete(previous.objectKey);
    return c.json({ track, objectKey, contentType, sizeBytes: object.size }, 200);
  });
}
