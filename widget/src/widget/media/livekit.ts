// The `livekit` media driver, loaded on demand from speaknode-livekit.js next to this file (it
// carries livekit-client, which would triple the widget's size).
import { WidgetFailure } from "../failure.ts";
import type { MediaTransport, TransportEvents } from "./transport.ts";

type LiveKitChunk = typeof import("../../livekit/index.ts");

export interface LiveKitMedia {
  url: string;
  token: string;
}

export async function connectLiveKitMedia(
  media: LiveKitMedia,
  stream: MediaStream,
  assetBase: string,
  audioHost: HTMLElement,
  events: TransportEvents,
): Promise<MediaTransport> {
  if (typeof RTCPeerConnection === "undefined") throw new WidgetFailure("no_webrtc", "no RTCPeerConnection");
  const microphone = stream.getAudioTracks()[0];
  if (!microphone) throw new WidgetFailure("mic_missing", "no audio track");
  let chunk: LiveKitChunk;
  try {
    chunk = (await import(`${assetBase}speaknode-livekit.js`)) as LiveKitChunk;
  } catch {
    throw new WidgetFailure("network_lost", "livekit chunk did not load");
  }
  try {
    return await chunk.connectLiveKit({ url: media.url, token: media.token, microphone, audioHost, events });
  } catch (err) {
    throw new WidgetFailure("network_lost", err instanceof Error ? `livekit: ${err.name}` : "livekit: connect failed");
  }
}
