// One admitted Twilio Media Stream as a MediaChannel. The server (server.ts) does the handshake
// (`connected`, `start`, the media token); from then on this owns the socket.
//
// The pipeline side is the local transport's: the caller's audio goes into a LocalAudioInput
// and the agent's voice comes out of a LocalAudioOutput, both at 16 kHz in 20 ms frames, so the
// session runner drives this call exactly as it drives a browser. Only the edges differ: μ-law
// 8 kHz from Twilio is decoded and upsampled into the input; each paced 20 ms frame of the
// output is downsampled and sent as one 160-byte `media` message; the output's end-of-segment
// marks become Twilio `mark`s and its barge-in `clear` a Twilio `clear` (Twilio drops what it
// had queued). Keys the agent sends (`phone.sendDtmf`) are tones mixed into the outgoing audio
// under whatever plays; a `mark` after the last one tells when Twilio has played them.
import type { RawData, WebSocket } from "ws";
import type { MediaServerMessage } from "@speaknode/contracts";
import type { BackgroundSource } from "../../audio/types.ts";
import { errorFields, log } from "../../log.ts";
import { LocalAudioInput } from "../local/audio-input.ts";
import { LocalAudioOutput } from "../local/audio-output.ts";
import { backgroundAt, type ResampledBackground } from "../local/background.ts";
import { rawText, type BackgroundSourceFactory, type SocketChannelOptions } from "../local/channel.ts";
import { mixInto } from "../local/pcm.ts";
import { startKeepalive, type Keepalive } from "../keepalive.ts";
import type { CallEnd, MediaChannel, PhoneLine } from "../types.ts";
import { base64FromBytes, bytesFromBase64, Downsampler16To8, dtmfTones, ulawDecode, ulawEncode, Upsampler8To16 } from "./codec.ts";
import { deserialize, serialize, type TwilioInbound, type TwilioOutbound } from "./serializer.ts";

/** The pipeline's rate for phone calls, and the frame length (Twilio's own chunk length). */
export const twilioPipelineRateHz = 16_000;
const frameMs = 20;

/** WebSocket close codes this side uses. */
export const twilioCloseCodes = { normal: 1000, goingAway: 1001, protocolError: 1002, policy: 1008, internal: 1011 } as const;

export interface TwilioStreamInfo {
  streamSid: string;
  callSid: string;
  accountSid: string;
}

export interface TwilioMediaChannelOptions extends SocketChannelOptions {
  stream: TwilioStreamInfo;
}

const socketCloseTimeoutMs = 2000;
/** Frames in a row that are not Twilio messages before the stream counts as broken. */
const badFramesBeforeFailure = 20;
/** How long `sendDtmf` waits beyond the tones' length for Twilio to confirm they played. */
const dtmfConfirmSlackMs = 5000;

interface PendingTones {
  id: number;
  samples: Int16Array;
  offset: number;
  played: { resolve: () => void; reject: (err: Error) => void };
  timer: NodeJS.Timeout | undefined;
}

export class TwilioMediaChannel implements MediaChannel {
  readonly sessionId: string;
  readonly agentId: string;
  readonly stream: TwilioStreamInfo;
  readonly input: LocalAudioInput;
  readonly output: LocalAudioOutput;
  readonly ended: Promise<CallEnd>;
  readonly phone: PhoneLine;

  private readonly socket: WebSocket;
  private readonly backgroundSource: BackgroundSourceFactory | undefined;
  private readonly closePlayoutTimeoutMs: number;
  private readonly upsampler = new Upsampler8To16();
  private readonly downsampler = new Downsampler16To8();
  private readonly dtmfListeners = new Set<(digit: string) => void>();
  private readonly answeredByListeners = new Set<(answeredBy: string) => void>();
  private lastAnsweredBy: string | null = null;
  private resolveEnded: (end: CallEnd) => void = () => {};
  private end: CallEnd | null = null;
  private keepalive: Keepalive | null = null;
  private badFrames = 0;
  /** The background bed the agent's config asked for, at the pipeline rate and its volume. */
  private ambience: { source: ResampledBackground; volume: number } | null = null;
  /** Keys to play, oldest first; the head is playing. */
  private tones: PendingTones[] = [];
  /** Tones whose last sample went into the frame being sent: their mark follows that frame. */
  private tonesDone: PendingTones[] = [];
  /** Tones sent and marked, waiting for Twilio's echo of their mark. */
  private readonly tonesSent = new Map<string, PendingTones>();
  private nextToneId = 1;

  constructor(options: TwilioMediaChannelOptions) {
    this.sessionId = options.sessionId;
    this.agentId = options.agentId;
    this.stream = options.stream;
    this.socket = options.socket;
    this.backgroundSource = options.backgroundSource;
    this.closePlayoutTimeoutMs = options.closePlayoutTimeoutMs ?? 15_000;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.input = new LocalAudioInput({ sampleRateHz: twilioPipelineRateHz, frameMs, onReceivedFrame: options.taps?.onReceivedFrame });
    this.output = new LocalAudioOutput({
      sampleRateHz: twilioPipelineRateHz,
      frameMs,
      leadFrames: options.leadFrames,
      onSentFrame: options.taps?.onSentFrame,
      sink: { sendAudio: (samples) => this.sendAudio(samples), sendControl: (message) => this.sendControl(message) },
    });
    this.phone = {
      provider: "twilio",
      callId: options.stream.callSid,
      onDtmf: (listener) => {
        this.dtmfListeners.add(listener);
        return () => this.dtmfListeners.delete(listener);
      },
      sendDtmf: (digits) => this.sendDtmf(digits),
      onAnsweredBy: (listener) => {
        this.answeredByListeners.add(listener);
        // A verdict that came before the session listened is not lost: the newest is replayed.
        if (this.lastAnsweredBy !== null) {
          const verdict = this.lastAnsweredBy;
          queueMicrotask(() => {
            if (this.answeredByListeners.has(listener)) listener(verdict);
          });
        }
        return () => this.answeredByListeners.delete(listener);
      },
    };

    this.socket.on("message", (data, isBinary) => this.receive(data, isBinary));
    this.socket.on("close", (code) => {
      // Twilio closes after `stop`; a close frame of any code is the far end leaving on purpose,
      // no close frame at all (1006) is a lost line.
      const lost = code === 1006;
      this.finish(lost ? { reason: "media connection lost", failed: true } : { reason: "caller hung up", failed: false }, { code });
    });
    this.socket.on("error", (err) => log.warn("twilio media: socket error", { sessionId: this.sessionId, ...errorFields(err) }));

    this.keepalive = startKeepalive(this.socket, options.pingIntervalMs ?? 15_000);
  }

  /** A raw frame from the socket (the server hands over those that arrived during the handshake). */
  receive(data: RawData, isBinary: boolean): void {
    this.keepalive?.markAlive();
    if (this.end) return;
    try {
      const message = isBinary ? null : deserialize(rawText(data));
      if (!message) {
        // Twilio sends no binary frames and only the documented events; a few strays are tolerated.
        if (++this.badFrames >= badFramesBeforeFailure) this.protocolError("frames that are not Twilio messages");
        return;
      }
      this.badFrames = 0;
      this.onMessage(message);
    } catch (err) {
      log.error("twilio media: frame handling failed", { sessionId: this.sessionId, ...errorFields(err) });
    }
  }

  /** The answering-machine verdict for this call arrived (server.ts's control route). */
  answeredBy(verdict: string): void {
    this.lastAnsweredBy = verdict;
    for (const listener of [...this.answeredByListeners]) {
      try {
        listener(verdict);
      } catch (err) {
        log.error("twilio media: answered-by listener failed", { sessionId: this.sessionId, ...errorFields(err) });
      }
    }
  }

  setBackground(background: { sound: string; volume: number } | null): void {
    this.ambience?.source.close();
    this.ambience = null;
    if (background && this.backgroundSource) {
      try {
        const source: BackgroundSource | null = this.backgroundSource(background.sound, twilioPipelineRateHz);
        if (source) this.ambience = { source: backgroundAt(source, twilioPipelineRateHz), volume: Math.min(1, Math.max(0, background.volume)) };
      } catch (err) {
        log.warn("twilio media: background source failed", { sessionId: this.sessionId, sound: background.sound, ...errorFields(err) });
      }
    }
    this.applyBed();
  }

  /** Hangs up from the agent's side once its last words have played: closing the stream ends the call. */
  async close(reason: string): Promise<void> {
    if (this.end) return;
    await this.output.playoutWithin(this.closePlayoutTimeoutMs);
    await this.hangUp({ reason, failed: false }, twilioCloseCodes.normal);
  }

  /** Ends the call now (the server is shutting down). */
  async terminate(reason: string, code: number = twilioCloseCodes.goingAway): Promise<void> {
    await this.hangUp({ reason, failed: true }, code);
  }

  private onMessage(message: TwilioInbound): void {
    switch (message.event) {
      case "media":
        if (message.streamSid !== this.stream.streamSid) return this.protocolError("media for another stream");
        if (message.media.track !== "inbound") return;
        this.input.pushPcm(this.upsampler.push(ulawDecode(bytesFromBase64(message.media.payload))));
        return;
      case "dtmf":
        if (message.streamSid !== this.stream.streamSid) return this.protocolError("dtmf for another stream");
        // The key itself is personal data: never logged.
        log.debug("twilio media: key pressed", { sessionId: this.sessionId });
        for (const listener of [...this.dtmfListeners]) {
          try {
            listener(message.dtmf.digit);
          } catch (err) {
            log.error("twilio media: dtmf listener failed", { sessionId: this.sessionId, ...errorFields(err) });
          }
        }
        return;
      case "mark": {
        const tones = this.tonesSent.get(message.mark.name);
        if (tones) {
          this.tonesSent.delete(message.mark.name);
          clearTimeout(tones.timer);
          tones.played.resolve();
          return;
        }
        // The agent's own playout is timed on our clock; the echo confirms it, for debugging.
        log.debug("twilio media: mark played", { sessionId: this.sessionId, mark: message.mark.name });
        return;
      }
      case "stop":
        this.finish({ reason: "caller hung up", failed: false }, { code: twilioCloseCodes.normal });
        this.socket.close(twilioCloseCodes.normal);
        return;
      case "connected":
      case "start":
        return this.protocolError(`a second ${message.event}`);
    }
  }

  private protocolError(detail: string): void {
    log.warn("twilio media: protocol error", { sessionId: this.sessionId, detail });
    void this.hangUp({ reason: "media protocol error", failed: true }, twilioCloseCodes.protocolError);
  }

  private async hangUp(end: CallEnd, code: number): Promise<void> {
    if (this.end) return;
    this.finish(end, { code });
    const closed = new Promise<void>((resolve) => {
      if (this.socket.readyState === this.socket.CLOSED) resolve();
      else this.socket.once("close", () => resolve());
    });
    this.socket.close(code);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([closed.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), socketCloseTimeoutMs)))]);
    clearTimeout(timer);
    if (gaveUp) this.socket.terminate();
  }

  private finish(end: CallEnd, detail: { code: number }): void {
    if (this.end) return;
    this.end = end;
    this.keepalive?.stop();
    this.output.dispose();
    this.input.end();
    this.ambience?.source.close();
    this.ambience = null;
    const gone = new Error("the call has ended");
    for (const tones of [...this.tones, ...this.tonesDone, ...this.tonesSent.values()]) {
      clearTimeout(tones.timer);
      tones.played.reject(gone);
    }
    this.tones = [];
    this.tonesDone = [];
    this.tonesSent.clear();
    log.info("twilio media: call ended", { sessionId: this.sessionId, callSid: this.stream.callSid, reason: end.reason, failed: end.failed, closeCode: detail.code });
    this.resolveEnded(end);
  }

  // ---- Out to Twilio -------------------------------------------------------------------------------

  private send(frame: TwilioOutbound): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(serialize(frame));
  }

  /** One paced 20 ms frame of the pipeline (voice, background, tones) as one `media` message. */
  private sendAudio(samples: Int16Array): void {
    const ulaw = ulawEncode(this.downsampler.push(samples));
    this.send({ event: "media", streamSid: this.stream.streamSid, media: { payload: base64FromBytes(ulaw) } });
    for (const tones of this.tonesDone.splice(0)) {
      const name = `dtmf-${tones.id}`;
      this.tonesSent.set(name, tones);
      this.send({ event: "mark", streamSid: this.stream.streamSid, mark: { name } });
    }
  }

  private sendControl(message: MediaServerMessage): void {
    if (message.type === "mark") this.send({ event: "mark", streamSid: this.stream.streamSid, mark: { name: message.name } });
    else if (message.type === "clear") this.send({ event: "clear", streamSid: this.stream.streamSid });
  }

  // ---- Keys the agent sends --------------------------------------------------------------------------

  private sendDtmf(digits: string): Promise<void> {
    if (this.end) return Promise.reject(new Error("the call has ended"));
    const samples = dtmfTones(digits, twilioPipelineRateHz);
    return new Promise<void>((resolve, reject) => {
      const tones: PendingTones = { id: this.nextToneId++, samples, offset: 0, played: { resolve, reject }, timer: undefined };
      // Twilio confirms with the mark's echo; should it never come, the tones have played by then anyway.
      tones.timer = setTimeout(
        () => {
          for (const [name, sent] of this.tonesSent) if (sent === tones) this.tonesSent.delete(name);
          log.warn("twilio media: no confirmation that the keys played", { sessionId: this.sessionId });
          resolve();
        },
        (samples.length / twilioPipelineRateHz) * 1000 + dtmfConfirmSlackMs,
      );
      this.tones.push(tones);
      this.applyBed();
    });
  }

  /** What the output mixes under the voice: the ambience at its volume, plus any keys playing. */
  private readonly bed: BackgroundSource = {
    sampleRateHz: twilioPipelineRateHz,
    read: (count) => {
      const out = new Int16Array(count);
      if (this.ambience && this.ambience.volume > 0) mixInto(out, this.ambience.source.read(count), this.ambience.volume);
      let at = 0;
      while (at < count) {
        const head = this.tones[0];
        if (!head) break;
        const n = Math.min(count - at, head.samples.length - head.offset);
        mixInto(out.subarray(at), head.samples.subarray(head.offset, head.offset + n), 1);
        head.offset += n;
        at += n;
        if (head.offset >= head.samples.length) {
          this.tones.shift();
          this.tonesDone.push(head);
          // Not from inside the sender's read: once it has sent this frame.
          if (this.tones.length === 0) queueMicrotask(() => this.applyBed());
        }
      }
      return out;
    },
  };

  /** Keeps the output's background set exactly while there is ambience or keys to play. */
  private applyBed(): void {
    if (this.end) return;
    const needed = this.ambience !== null || this.tones.length > 0;
    if (needed && !this.bedSet) this.output.setBackground(this.bed, 1);
    else if (!needed && this.bedSet) this.output.setBackground(null, 0);
    this.bedSet = needed;
  }

  private bedSet = false;
}
