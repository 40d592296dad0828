// The recorder's tap on the user's audio: an AudioInput that passes the wrapped input's frames on
// unchanged and hands each one to the recorder, timed by its arrival (frames carry no capture time).
import { AudioInput } from "@livekit/agents";
import type { AudioFrame } from "@livekit/rtc-node";
import { TransformStream } from "node:stream/web";

export class RecordingAudioInput extends AudioInput {
  private readonly source: AudioInput;

  constructor(source: AudioInput, onFrame: (frame: AudioFrame) => void) {
    super();
    this.source = source;
    const tap = new TransformStream<AudioFrame, AudioFrame>({
      transform: (frame, controller) => {
        try {
          onFrame(frame);
        } catch {
          // the call goes on whatever happens to its recording, which reports its own failures
        }
        controller.enqueue(frame);
      },
    });
    void source.stream.pipeTo(tap.writable).catch(() => {
      // the source ended with an error, or the session stopped reading: nothing left to tap
    });
    this.multiStream.addInputStream(tap.readable);
  }

  override setAttached(attached: boolean): void {
    super.setAttached(attached);
    this.source.setAttached(attached);
  }

  override onAttached(): void {
    this.source.onAttached();
  }

  override onDetached(): void {
    this.source.onDetached();
  }
}
