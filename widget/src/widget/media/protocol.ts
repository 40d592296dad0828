// The local media protocol v1 (packages/contracts/src/media-protocol.ts) by hand: the contracts
// module validates with zod, which the browser bundle cannot afford, so frames are built and
// read here against the same types (type imports only, they vanish from the bundle).
import type { MediaClientMessage, MediaErrorFrame, MediaReady, MediaServerMessage } from "@speaknode/contracts";
// A plain list (no zod): safe to bundle.
import { mediaErrorCodes } from "../../../../packages/contracts/src/media-error-codes.ts";

/** Tied to the contract's literal: a protocol bump breaks this line at type-check time. */
export const mediaProtocolVersion: MediaReady["protocolVersion"] = 1;

const errorCodes: ReadonlySet<string> = new Set<MediaErrorFrame["code"]>(mediaErrorCodes);
const isErrorCode = (code: unknown): code is MediaErrorFrame["code"] => typeof code === "string" && errorCodes.has(code);

export function encodeClientMessage(message: MediaClientMessage): string {
  return JSON.stringify(message);
}

export function helloMessage(token: string, sampleRateHz: number): MediaClientMessage {
  if (sampleRateHz !== 8000 && sampleRateHz !== 16000 && sampleRateHz !== 24000 && sampleRateHz !== 48000) {
    throw new RangeError(`unsupported media sample rate ${sampleRateHz} Hz`);
  }
  return { type: "hello", protocolVersion: mediaProtocolVersion, token, sampleRateHz, encoding: "pcm16le" };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const str = (value: unknown): value is string => typeof value === "string";

/** A server text frame, or null when it is not a message this client knows. */
export function parseServerMessage(text: string): MediaServerMessage | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(data)) return null;
  switch (data["type"]) {
    case "ready": {
      const { protocolVersion, sessionId, sampleRateHz, frameMs } = data;
      if (protocolVersion !== mediaProtocolVersion || !str(sessionId) || typeof frameMs !== "number") return null;
      if (sampleRateHz !== 8000 && sampleRateHz !== 16000 && sampleRateHz !== 24000 && sampleRateHz !== 48000) return null;
      return { type: "ready", protocolVersion, sessionId, sampleRateHz, frameMs };
    }
    case "clear":
      return { type: "clear" };
    case "mark":
      return str(data["name"]) && data["name"] !== "" ? { type: "mark", name: data["name"] } : null;
    case "end":
      return { type: "end", reason: str(data["reason"]) ? data["reason"] : "" };
    case "error": {
      const code = data["code"];
      if (!isErrorCode(code)) return null;
      return { type: "error", code, message: str(data["message"]) ? data["message"] : "" };
    }
    default:
      return null;
  }
}
