// Opening the microphone with the voice-friendly processing the browser offers, and its
// failures as widget errors.
import type { WidgetErrorCode } from "../shared/types.ts";
import { WidgetFailure } from "./failure.ts";

export const microphoneConstraints: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
};

/**
 * The error for a getUserMedia rejection, by its DOMException name: refused by the visitor or by
 * policy → mic_denied; anything else (none found, unsatisfiable, held by another app) →
 * mic_missing. The legacy names are Chrome's before the standard ones.
 */
export function microphoneErrorCode(name: string): WidgetErrorCode {
  return name === "NotAllowedError" || name === "PermissionDeniedError" || name === "SecurityError" ? "mic_denied" : "mic_missing";
}

export async function openMicrophone(): Promise<MediaStream> {
  // navigator.mediaDevices is undefined outside secure contexts (http pages other than localhost).
  if (!navigator.mediaDevices?.getUserMedia) throw new WidgetFailure("unsupported_browser", "no getUserMedia");
  try {
    return await navigator.mediaDevices.getUserMedia(microphoneConstraints);
  } catch (err) {
    const name = typeof err === "object" && err !== null && "name" in err && typeof err.name === "string" ? err.name : "";
    throw new WidgetFailure(microphoneErrorCode(name), `microphone: ${name}`);
  }
}

/**
 * Whether the visitor already allowed this site the microphone, so opening it shows no prompt.
 * False when the browser cannot tell (no Permissions API, or one that does not know "microphone").
 */
export async function microphoneGranted(): Promise<boolean> {
  try {
    const status = await navigator.permissions.query({ name: "microphone" as PermissionName });
    return status.state === "granted";
  } catch {
    return false;
  }
}

export function stopMicrophone(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
