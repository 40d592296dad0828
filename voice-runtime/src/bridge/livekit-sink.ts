// The LiveKit sink: the bridge joins the session's room (`sess-<sessionId>`) as the caller —
// identity `voximplant-<callId>`, a microphone track fed from an AudioSource — and plays back the
// agent participant's audio track, resampled to 8 kHz by the AudioStream. Keys travel as SIP-style
// DTMF packets both ways (publishDtmf / RoomEvent.DtmfReceived). The agent leaving is its hang-up;
// the room dropping us for good (rtc-node retries reconnects itself first) is a lost sink.
//
// The room is behind `SinkRoom` so tests drive the sink with a fake (no LiveKit server runs here).
import { SignJWT } from "jose";
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  ParticipantKind,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  type RemoteParticipant,
  type RemoteTrack,
} from "@livekit/rtc-node";
import { errorFields, log } from "../log.ts";
import { sinkSampleRateHz, type BridgeSink, type SinkEvents, type SinkFactory, type SinkTarget } from "./sink.ts";

/** What the sink needs of a LiveKit room. */
export interface SinkRoom {
  connect(url: string, token: string): Promise<void>;
  /** Publishes the caller's microphone; returns where its audio (mono, `sampleRateHz`) goes. */
  publishMicrophone(sampleRateHz: number): Promise<(samples: Int16Array) => void>;
  /** Audio of the agent participant's tracks, mono at `sampleRateHz`. */
  onAgentAudio(sampleRateHz: number, listener: (samples: Int16Array) => void): void;
  /** A DTMF key another participant (the agent) sent. */
  onDtmf(listener: (digit: string) => void): void;
  publishDtmf(code: number, digit: string): Promise<void>;
  /** The agent participant left the room. */
  onAgentLeft(listener: () => void): void;
  /** We are out of the room for good. */
  onDisconnected(listener: (reason: string) => void): void;
  disconnect(): Promise<void>;
}

export interface LiveKitSinkOptions {
  url: string;
  apiKey: string;
  apiSecret: string;
  /** Builds the room (default: @livekit/rtc-node's). */
  room?: () => SinkRoom;
}

/** RFC 4733 event codes of the keys. */
export function dtmfCode(digit: string): number {
  const index = "0123456789*#ABCD".indexOf(digit);
  if (digit.length !== 1 || index < 0) throw new RangeError("not a DTMF key");
  return index;
}

export function sessionRoomName(sessionId: string): string {
  return `sess-${sessionId}`;
}

/** A LiveKit access token (HS256, `video` grant) to join one room as one identity. */
export function liveKitJoinToken(options: { apiKey: string; apiSecret: string; room: string; identity: string; ttlS?: number }): Promise<string> {
  return new SignJWT({ video: { room: options.room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true }, name: "Phone caller (VoxImplant)" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(options.apiKey)
    .setSubject(options.identity)
    .setNotBefore("0s")
    .setExpirationTime(`${options.ttlS ?? 600}s`)
    .sign(new TextEncoder().encode(options.apiSecret));
}

export function liveKitSinkFactory(options: LiveKitSinkOptions): SinkFactory {
  return (target, events) => liveKitSink(options, target, events);
}

function liveKitSink(options: LiveKitSinkOptions, target: SinkTarget, events: SinkEvents): BridgeSink {
  const room = (options.room ?? rtcSinkRoom)();
  let capture: ((samples: Int16Array) => void) | null = null;
  let ending = false;
  const identity = `voximplant-${target.callId ?? target.sessionId}`;

  room.onAgentAudio(sinkSampleRateHz, (samples) => events.onAudio(samples));
  room.onDtmf((digit) => events.onDtmf(digit));
  room.onAgentLeft(() => {
    if (!ending) events.onHangup("the agent ended the call");
  });
  room.onDisconnected((reason) => {
    if (!ending) events.onLost(`left the LiveKit room (${reason})`);
  });

  const ready = (async () => {
    const token = await liveKitJoinToken({ apiKey: options.apiKey, apiSecret: options.apiSecret, room: sessionRoomName(target.sessionId), identity });
    await room.connect(options.url, token);
    capture = await room.publishMicrophone(sinkSampleRateHz);
  })();
  ready.catch(() => {});

  return {
    ready,
    sendAudio(samples) {
      capture?.(samples);
    },
    sendDtmf(digit) {
      room.publishDtmf(dtmfCode(digit), digit).catch((err: unknown) => log.warn("voximplant bridge: DTMF not published", { sessionId: target.sessionId, ...errorFields(err) }));
      return true;
    },
    async end() {
      if (ending) return;
      ending = true;
      await room.disconnect();
    },
  };
}

/** The real room, on @livekit/rtc-node. */
export function rtcSinkRoom(): SinkRoom {
  const room = new Room();
  const isAgent = (participant: RemoteParticipant) => participant.info.kind === ParticipantKind.AGENT;
  let audioListener: { sampleRateHz: number; listener: (samples: Int16Array) => void } | null = null;

  room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _publication, participant: RemoteParticipant) => {
    if (!audioListener || !isAgent(participant) || track.kind !== TrackKind.KIND_AUDIO) return;
    const { sampleRateHz, listener } = audioListener;
    const stream = new AudioStream(track, { sampleRate: sampleRateHz, numChannels: 1 });
    void (async () => {
      try {
        for await (const frame of stream) listener(frame.data);
      } catch (err) {
        log.warn("voximplant bridge: agent audio stream ended", errorFields(err));
      }
    })();
  });

  return {
    connect: (url, token) => room.connect(url, token, { autoSubscribe: true, dynacast: false }),
    async publishMicrophone(sampleRateHz) {
      const source = new AudioSource(sampleRateHz, 1);
      const track = LocalAudioTrack.createAudioTrack("phone", source);
      await room.localParticipant!.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
      // Frames are captured in order; captureFrame paces itself against the source's queue.
      let chain = Promise.resolve();
      return (samples) => {
        const frame = new AudioFrame(samples, sampleRateHz, 1, samples.length);
        chain = chain.then(() => source.captureFrame(frame)).catch((err: unknown) => log.warn("voximplant bridge: caller audio not captured", errorFields(err)));
      };
    },
    onAgentAudio: (sampleRateHz, listener) => (audioListener = { sampleRateHz, listener }),
    onDtmf: (listener) => room.on(RoomEvent.DtmfReceived, (_code: number, digit: string) => listener(digit)),
    publishDtmf: (code, digit) => room.localParticipant!.publishDtmf(code, digit),
    onAgentLeft: (listener) =>
      room.on(RoomEvent.ParticipantDisconnected, (participant: RemoteParticipant) => {
        if (isAgent(participant)) listener();
      }),
    onDisconnected: (listener) => room.on(RoomEvent.Disconnected, (reason) => listener(String(reason))),
    disconnect: () => room.disconnect(),
  };
}
