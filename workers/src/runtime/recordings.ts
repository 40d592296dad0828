// Where session recordings live: the RECORDINGS R2 bucket (in development, the local R2 of
// wrangler dev), one object per track at recordings/{spaceId}/{sessionId}/{track}.{ext}.
import type { Context } from "hono";
import { recordingContentTypes, type RecordingContentType, type RecordingTrack } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";

export function recordingsBucket(c: Context<AppEnv>): R2Bucket {
  const bucket = c.env["RECORDINGS"] as R2Bucket | undefined;
  if (!bucket) throw new Error("the RECORDINGS R2 binding is missing");
  return bucket;
}

export function recordingKey(spaceId: string, sessionId: string, track: RecordingTrack, contentType: RecordingContentType): string {
  return `recordings/${spaceId}/${sessionId}/${track}.${recordingContentTypes[contentType]}`;
}

// Older and non-standard names of WAV seen in the wild.
const aliases: Record<string, RecordingContentType> = { "audio/wav": "audio/wav", "audio/x-wav": "audio/wav", "audio/wave": "audio/wav", "audio/vnd.wave": "audio/wav", "audio/ogg": "audio/ogg" };

/** The stored content type for a Content-Type header (parameters ignored), or null when not audio we keep. */
export function recordingContentType(header: string | undefined): RecordingContentType | null {
  const base = header?.split(";")[0]?.trim().toLowerCase();
  return (base !== undefined && Object.hasOwn(aliases, base) ? aliases[base] : undefined) ?? null;
}
