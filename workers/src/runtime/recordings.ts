// Where session recordings live: the RECORDINGS R2 bucket (in development, the local R2 of
// wrangler dev), one object per track at recordings/{spaceId}/{sessionId}/{track}.{ext}, written by
// an R2 multipart upload the runtime drives part by part.
import type { Context } from "hono";
import { recordingContentTypes, type RecordingContentType, type RecordingTrack } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";

export function recordingsBucket(c: Context<AppEnv>): R2Bucket {
  const bucket = c.env["RECORDINGS"] as R2Bucket | undefined;
  if (!bucket) throw new Error("the RECORDINGS R2 binding is missing");
  return bucket;
}

export function recordingKey(spaceId: string, sessionId: string, track: RecordingTrack, contentType: RecordingContentType): string {
  return `recordings/${spaceId}/${sessionId}/${track}.${recordingContentTypes[contentType]}`;
}

const formats = Object.entries(recordingContentTypes) as [RecordingContentType, string][];

// R2 needs the object key to resume an upload, and the key holds the format's extension; so the
// upload id we hand out carries the format with R2's id, base64url-encoded so it is one path
// segment whatever R2's id contains. A tampered id names another key or upload of the same
// session's track, which R2 does not know: the session and track always come from the path.
export function encodeUploadId(contentType: RecordingContentType, r2UploadId: string): string {
  const bytes = new TextEncoder().encode(`${recordingContentTypes[contentType]}:${r2UploadId}`);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeUploadId(uploadId: string): { contentType: RecordingContentType; r2UploadId: string } {
  let decoded = "";
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(uploadId.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0)));
  } catch {
    throw unknownUpload();
  }
  const colon = decoded.indexOf(":");
  const format = formats.find(([, ext]) => ext === decoded.slice(0, colon));
  if (!format || colon === decoded.length - 1) throw unknownUpload();
  return { contentType: format[0], r2UploadId: decoded.slice(colon + 1) };
}

const unknownUpload = () => new ApiError("not_found", "no such upload: it was completed, aborted, or never created for this track");

// R2's binding throws plain Errors whose message ends in its error code, e.g. "… (10024)".
const r2Codes = { noSuchUpload: 10024, invalidPart: 10025, entityTooSmall: 10011, badUpload: 10048, internal: 10001 } as const;

/** The problem an R2 multipart failure means for the caller, or the error itself when it is ours to fix. */
export function multipartProblem(err: unknown, step: "part" | "complete" | "abort"): unknown {
  const code = err instanceof Error ? Number(/\((\d+)\)\s*$/.exec(err.message)?.[1]) : NaN;
  // Local R2 answers an id it never issued with an internal error; real R2 with NoSuchUpload.
  if (code === r2Codes.noSuchUpload || (code === r2Codes.internal && step !== "part")) return unknownUpload();
  if (code === r2Codes.invalidPart) return new ApiError("validation_failed", "a listed part was not uploaded, or its etag does not match", { errors: [{ field: "body.parts", message: "must list uploaded parts with their etags" }] });
  if (code === r2Codes.entityTooSmall || code === r2Codes.badUpload) {
    return new ApiError("validation_failed", "every part but the last must have the same size, at least 5 MiB, and the last may not be larger", { errors: [{ field: "body.parts", message: "parts of unequal or too small sizes" }] });
  }
  return err;
}

