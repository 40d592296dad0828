// speaknode-livekit.js: the `livekit` media driver, built as its own chunk because
// livekit-client is several times the size of the rest of the widget and most deployments use
// the local driver. Joins the room, publishes the microphone track the widget already opened,
// plays the agent's audio and reports when the agent is audible.
import { DisconnectReason, LocalAudioTrack, Room, RoomEvent, Track } from "livekit-client";
import type { RemoteTrack } from "livekit-client";
import type { MediaTransport, TransportEvents } from "../widget/media/transport.ts";

export interface LiveKitOptions {
  url: string;
  token: string;
  microphone: MediaStreamTrack;
  /** Where the agent's <audio> elements go (inside the widget's Shadow DOM). */
  audioHost: HTMLElement;
  events: TransportEvents;
}

export async function connectLiveKit(options: LiveKitOptions): Promise<MediaTransport> {
  const { events, audioHost } = options;
  const room = new Room({ adaptiveStream: false, dynacast: false });
  let closing = false;

  room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
    if (track.kind !== Track.Kind.Audio) return;
    const element = track.attach();
    element.hidden = true;
    audioHost.append(element);
  });
  room.on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => {
    for (const element of track.detach()) element.remove();
  });
  room.on(RoomEvent.ActiveSpeakersChanged, (speakers) => {
    events.agentAudible(speakers.some((p) => p.identity !== room.localParticipant.identity));
  });
  room.on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
    if (closing) return;
    closing = true;
    // The agent leaving or the room closing ends the call; anything else broke it.
    if (reason === DisconnectReason.ROOM_DELETED || reason === DisconnectReason.PARTICIPANT_REMOVED || reason === DisconnectReason.CLIENT_INITIATED) events.ended();
    else events.failed("network_lost");
  });

  await room.connect(options.url, options.token);
  const microphone = new LocalAudioTrack(options.microphone, undefined, true);
  await room.localParticipant.publishTrack(microphone, { source: Track.Source.Microphone });
  // Unlocks playback in browsers that held it back; the launcher click is the gesture.
  await room.startAudio().catch(() => undefined);

  return {
    setMuted(muted) {
      void (muted ? microphone.mute() : microphone.unmute());
    },
    close() {
      if (closing) return;
      closing = true;
      void room.disconnect(true);
    },
  };
}
