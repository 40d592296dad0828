// The voice runtime uploads a session's recording one track at a time, in parts, into R2 (a
// multipart upload): create → PUT parts → complete (stores the track) or abort. No request
// carries more than one part, so a four-hour track passes the Worker's body limit, and the Worker
// streams each part into R2 without holding it. Allowed whatever the session's state: a runtime
// that died mid-call uploads what it left on disk after the session has ended.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import {
  RecordingCompleteBody,
  RecordingPart,
  RecordingStored,
  RecordingTrack,
  RecordingUpload,
  RecordingUploadBody,
  recordingMaxBytes,
  recordingMaxParts,
  recordingPartMaxBytes,
  text,
} from "@speaknode/contracts";
import { schema } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { jsonBody, jsonResponse, noContent, problemSpec } from "../lib/openapi.ts";
import { limitJsonBody, runtimeErrorResponses, runtimeSecurity } from "../runtime/openapi.ts";
import { decodeUploadId, encodeUploadId, multipartProblem, recordingKey, recordingsBucket } from "../runtime/recordings.ts";
import { loadRuntimeSession, RuntimeSessionParams } from "../runtime/session.ts";

const { sessionRecordings } = schema;
const base = "/runtime/v1/sessions/{sessionId}/recording/{track}/uploads";
const TrackParams = RuntimeSessionParams.extend({ track: RecordingTrack });
const UploadParams = TrackParams.extend({ uploadId: text().regex(/^[A-Za-z0-9_-]{4,2048}$/, "must be an upload id this API returned") });
const PartParams = UploadParams.extend({ partNumber: z.coerce.number().int().min(1).max(recordingMaxParts) });
const mib = (bytes: number) => `${bytes / 1024 / 1024} MiB`;

export const createUploadRoute = createRoute({
  method: "post",
  path: base,
  tags: ["runtime"],
  summary: `Start uploading one track of the session's recording (WAV or Ogg, at most ${mib(recordingMaxBytes)}); replaces the track when completed`,
  security: runtimeSecurity,
  middleware: [limitJsonBody] as const,
  request: { params: TrackParams, body: jsonBody(RecordingUploadBody) },
  responses: { 201: jsonResponse(RecordingUpload, "Upload started"), ...runtimeErrorResponses, 413: problemSpec(`Larger than ${mib(recordingMaxBytes)}`) },
});

export const uploadPartRoute = createRoute({
  method: "put",
  path: `${base}/{uploadId}/parts/{partNumber}`,
  tags: ["runtime"],
  summary: `Upload (or replace) one part, with Content-Length: at most ${mib(recordingPartMaxBytes)}; every part but the last the same size, at least 5 MiB`,
  security: runtimeSecurity,
  request: {
    params: PartParams,
    body: { required: true, description: "The part's bytes", content: { "application/octet-stream": { schema: text().openapi({ format: "binary" }) } } },
  },
  responses: { 200: jsonResponse(RecordingPart, "Stored; list it with its etag when completing"), ...runtimeErrorResponses, 413: problemSpec(`Larger than ${mib(recordingPartMaxBytes)}`) },
});

export const completeUploadRoute = createRoute({
  method: "post",
  path: `${base}/{uploadId}/complete`,
  tags: ["runtime"],
  summary: "Join the listed parts into the track and record it on the session",
  security: runtimeSecurity,
  middleware: [limitJsonBody] as const,
  request: { params: UploadParams, body: jsonBody(RecordingCompleteBody) },
  responses: { 200: jsonResponse(RecordingStored, "Stored"), ...runtimeErrorResponses, 413: problemSpec(`Larger than ${mib(recordingMaxBytes)}`) },
});

export const abortUploadRoute = createRoute({
  method: "delete",
  path: `${base}/{uploadId}`,
  tags: ["runtime"],
  summary: "Abandon an upload and drop its parts",
  security: runtimeSecurity,
  request: { params: UploadParams },
  responses: { 204: noContent, ...runtimeErrorResponses },
});

function partLength(header: string | undefined): number {
  const length = header !== undefined && /^\d{1,12}$/.test(header.trim()) ? Number(header.trim()) : NaN;
  if (!Number.isSafeInteger(length)) throw new ApiError("malformed_request", "a part needs a Content-Length", { errors: [{ field: "header.content-length", message: "must be a byte count" }] });
  if (length > recordingPartMaxBytes) throw new ApiError("payload_too_large", `a part is at most ${mib(recordingPartMaxBytes)}`);
  if (length === 0) throw new ApiError("validation_failed", "the part is empty", { errors: [{ field: "body", message: "must not be empty" }] });
  return length;
}

export function registerRuntimeRecording(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createUploadRoute, async (c) => {
    const { sessionId, track } = c.req.valid("param");
    const { contentType, sizeBytes } = c.req.valid("json");
    const session = await loadRuntimeSession(c, sessionId);
    if (sizeBytes > recordingMaxBytes) throw new ApiError("payload_too_large", `a track is at most ${mib(recordingMaxBytes)}`);
    const objectKey = recordingKey(session.spaceId, session.id, track, contentType);
    const upload = await recordingsBucket(c).createMultipartUpload(objectKey, { httpMetadata: { contentType }, customMetadata: { sessionId: session.id, track } });
    return c.json({ uploadId: encodeUploadId(contentType, upload.uploadId), objectKey }, 201);
  });

  app.openapi(uploadPartRoute, async (c) => {
    const { sessionId, track, uploadId, partNumber } = c.req.valid("param");
    const session = await loadRuntimeSession(c, sessionId);
    const { contentType, r2UploadId } = decodeUploadId(uploadId);
    const length = partLength(c.req.header("content-length"));
    const body = c.req.raw.body;
    if (!body) throw new ApiError("validation_failed", "the part is empty", { errors: [{ field: "body", message: "must not be empty" }] });
    const upload = recordingsBucket(c).resumeMultipartUpload(recordingKey(session.spaceId, session.id, track, contentType), r2UploadId);
    // R2 needs the length up front; the fixed-length stream also fails the part if the body turns
    // out longer or shorter than declared, so a cut-off part is never stored.
    const { readable, writable } = new FixedLengthStream(length);
    try {
      const [part] = await Promise.all([upload.uploadPart(partNumber, readable), body.pipeTo(writable)]);
      return c.json({ partNumber: part.partNumber, etag: part.etag }, 200);
    } catch (err) {
      throw multipartProblem(err, "part");
    }
  });

  app.openapi(completeUploadRoute, async (c) => {
    const { sessionId, track, uploadId } = c.req.valid("param");
    const { parts } = c.req.valid("json");
    const session = await loadRuntimeSession(c, sessionId);
    const { contentType, r2UploadId } = decodeUploadId(uploadId);
    const numbers = new Set(parts.map((p) => p.partNumber));
    if (numbers.size !== parts.length) throw new ApiError("validation_failed", "a part is listed twice", { errors: [{ field: "body.parts", message: "must list each part once" }] });
    const bucket = recordingsBucket(c);
    const objectKey = recordingKey(session.spaceId, session.id, track, contentType);
    let object: R2Object;
    try {
      object = await bucket.resumeMultipartUpload(objectKey, r2UploadId).complete([...parts].sort((a, b) => a.partNumber - b.partNumber));
    } catch (err) {
      throw multipartProblem(err, "complete");
    }
    if (object.size > recordingMaxBytes) {
      await bucket.delete(objectKey);
      throw new ApiError("payload_too_large", `a track is at most ${mib(recordingMaxBytes)}`);
    }
    const db = c.get("db");
    const [previous] = await db
      .select({ objectKey: sessionRecordings.objectKey })
      .from(sessionRecordings)
      .where(and(eq(sessionRecordings.sessionId, session.id), eq(sessionRecordings.track, track)));
    const values = { objectKey, contentType, sizeBytes: object.size, updatedAt: new Date() };
    await db
      .insert(sessionRecordings)
      .values({ sessionId: session.id, track, ...values })
      .onConflictDoUpdate({ target: [sessionRecordings.sessionId, sessionRecordings.track], set: values });
    // Replaced with another format: the old object would otherwise be orphaned.
    if (previous && previous.objectKey !== objectKey) await bucket.delete(previous.objectKey);
    return c.json({ track, objectKey, contentType, sizeBytes: object.size }, 200);
  });

  app.openapi(abortUploadRoute, async (c) => {
    const { sessionId, track, uploadId } = c.req.valid("param");
    const session = await loadRuntimeSession(c, sessionId);
    const { contentType, r2UploadId } = decodeUploadId(uploadId);
    try {
      await recordingsBucket(c).resumeMultipartUpload(recordingKey(session.spaceId, session.id, track, contentType), r2UploadId).abort();
    } catch (err) {
      throw multipartProblem(err, "abort");
    }
    return c.body(null, 204);
  });
}
