// The `local` media driver in the browser: the microphone through a capture worklet to the
// voice runtime's media WebSocket, and the agent's PCM16 back through a playback worklet with a
// small jitter buffer. Protocol: packages/contracts/src/media-protocol.ts.
import { WidgetFailure } from "../failure.ts";
import type { PlaybackCommand, PlaybackReport } from "./worklets/audio.worklet.ts";
import { encodeClientMessage, helloMessage, parseServerMessage } from "./protocol.ts";
import type { MediaTransport, TransportEvents } from "./transport.ts";

export interface LocalMedia {
  url: string;
  token: string;
  sampleRateHz: number;
}

const frameMs = 20;
// Enough to ride out ordinary network jitter; MEASURED.md: first playback 4–13 ms after arrival.
const jitterMs = 60;
const quietHoldMs = 250;
const readyTimeoutMs = 15_000;
// When the socket cannot keep up (a stalled network), drop microphone frames instead of queueing
// seconds of stale speech.
const maxBufferedBytes = 64 * 1024;

let workletUrl: string | null = null;
const worklets = new WeakMap<AudioContext, Promise<void>>();

/** The worklets' module, added to `context` once (a failed add is tried again next time). */
function loadWorklets(context: AudioContext): Promise<void> {
  let loaded = worklets.get(context);
  if (!loaded) {
    workletUrl ??= URL.createObjectURL(new Blob([__SPEAKNODE_WORKLET_SOURCE__], { type: "text/javascript" }));
    loaded = context.audioWorklet.addModule(workletUrl);
    loaded.catch(() => worklets.delete(context));
    worklets.set(context, loaded);
  }
  return loaded;
}

/** Starts loading the worklets ahead of connectLocal (which reports a failure, if there is one). */
export function preloadLocalAudio(context: AudioContext): void {
  if ("audioWorklet" in context) loadWorklets(context).catch(() => {});
}

export async function connectLocal(media: LocalMedia, stream: MediaStream, context: AudioContext, events: TransportEvents): Promise<MediaTransport> {
  // audioWorklet is missing outside secure contexts and in old browsers.
  if (!("audioWorklet" in context)) throw new WidgetFailure("unsupported_browser", "no AudioWorklet");
  void context.resume();
  await loadWorklets(context);

  const source = context.createMediaStreamSource(stream);
  const capture = new AudioWorkletNode(context, "speaknode-capture", {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [1],
    processorOptions: { wireRateHz: media.sampleRateHz, frameMs },
  });
  const playback = new AudioWorkletNode(context, "speaknode-playback", {
    numberOfInputs: 0,
    numberOfOutputs: 1,
    outputChannelCount: [1],
    processorOptions: { wireRateHz: media.sampleRateHz, jitterMs, quietHoldMs },
  });
  source.connect(capture);
  // The capture node outputs silence; it is connected only so that the graph keeps pulling it.
  capture.connect(context.destination);
  playback.connect(context.destination);

  const ws = new WebSocket(media.url);
  ws.binaryType = "arraybuffer";
  let ready = false;
  let muted = false;
  let finished = false;
  let serverError: string | null = null;

  const send = (text: string): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(text);
  };
  const command = (message: PlaybackCommand, transfer: Transferable[] = []): void => playback.port.postMessage(message, transfer);
  const teardown = (): void => {
    source.disconnect();
    capture.disconnect();
    playback.disconnect();
    capture.port.onmessage = null;
    playback.port.onmessage = null;
  };
  const finish = (outcome: () => void): void => {
    if (finished) return;
    finished = true;
    teardown();
    outcome();
  };

  capture.port.onmessage = (event: MessageEvent<ArrayBuffer>) => {
    if (ready && !muted && ws.readyState === WebSocket.OPEN && ws.bufferedAmount < maxBufferedBytes) ws.send(event.data);
  };
  playback.port.onmessage = (event: MessageEvent<PlaybackReport>) => {
    const report = event.data;
    if (report.type === "mark") send(encodeClientMessage({ type: "mark", name: report.name }));
    else events.agentAudible(report.audible);
  };

  return new Promise<MediaTransport>((resolve, reject) => {
    const transport: MediaTransport = {
      setMuted(value) {
        muted = value;
      },
      close() {
        finish(() => {
          send(encodeClientMessage({ type: "end" }));
          ws.close(1000);
        });
      },
    };
    const timer = setTimeout(() => {
      finish(() => ws.close());
      reject(new WidgetFailure("network_lost", "media: no ready in time"));
    }, readyTimeoutMs);

    ws.onopen = () => send(encodeClientMessage(helloMessage(media.token, media.sampleRateHz)));
    ws.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
      if (typeof event.data !== "string") {
        command({ type: "audio", pcm: event.data }, [event.data]);
        return;
      }
      const message = parseServerMessage(event.data);
      switch (message?.type) {
        case "ready":
          ready = true;
          clearTimeout(timer);
          resolve(transport);
          return;
        case "clear":
          command({ type: "clear" });
          events.interrupted();
          return;
        case "mark":
          command({ type: "mark", name: message.name });
          return;
        case "end":
          finish(() => events.ended());
          return;
        case "error":
          serverError = message.code;
          return;
      }
    };
    ws.onclose = (event) => {
      clearTimeout(timer);
      // A refused hello (bad token, busy session) is a failed session; a drop is the network.
      const code = serverError !== null ? "session_failed" : "network_lost";
      if (!ready) {
        finish(() => {});
        reject(new WidgetFailure(code, `media closed (${event.code}) before ready`));
        return;
      }
      finish(() => (event.code === 1000 && serverError === null ? events.ended() : events.failed(code)));
    };
  });
}
