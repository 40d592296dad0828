// One admitted local media connection as a MediaChannel: the socket after `ready`. The server
// (server.ts) does the handshake; from then on this owns the socket, turns its frames into the
// session's audio input and control events, and sends the paced agent audio back.
import type { RawData, WebSocket } from "ws";
import { mediaBinaryFrameMaxBytes, mediaCloseCodes, parseMediaClientMessage, type MediaErrorCode, type MediaServerMessage } from "@speaknode/contracts";
import type { BackgroundSource } from "../../audio/types.ts";
import { errorFields, log } from "../../log.ts";
import { startKeepalive, type Keepalive } from "../keepalive.ts";
import type { CallEnd, MediaChannel, PhoneLine } from "../types.ts";
import { LocalAudioInput, type FrameTap } from "./audio-input.ts";
import { LocalAudioOutput } from "./audio-output.ts";
import { bytesFromPcm, pcmFromBytes } from "./pcm.ts";
import { LocalPhoneLine } from "./phone-line.ts";

/** Makes the background bed for a sound name at the call's rate; null when there is none. */
export type BackgroundSourceFactory = (sound: string, sampleRateHz: number) => BackgroundSource | null;

/** Optional listeners on the raw audio, for a recorder. They must not modify the frames. */
export interface MediaTaps {
  /** Every frame sent to the caller (voice and background mixed); `atMs` is when it is due to play. */
  onSentFrame?: FrameTap;
  /** Every frame received from the caller; `atMs` is when it arrived. */
  onReceivedFrame?: FrameTap;
}

/** What every media channel over a WebSocket is given, whatever its wire format (local, Twilio). */
export interface SocketChannelOptions {
  socket: WebSocket;
  sessionId: string;
  agentId: string;
  backgroundSource?: BackgroundSourceFactory | undefined;
  taps?: MediaTaps | undefined;
  /** Frames the sender may run ahead of real time (default 3). */
  leadFrames?: number | undefined;
  /** How long `close()` waits for the agent's last words to play (default 15 s). */
  closePlayoutTimeoutMs?: number | undefined;
  /** A peer that answers no ping for this long is gone (default 15 s; 0 turns pings off). */
  pingIntervalMs?: number | undefined;
}

export interface LocalMediaChannelOptions extends SocketChannelOptions {
  sampleRateHz: number;
  frameMs: number;
  /** Set when the client is a phone gateway (server.ts decides from the token's role): keys both ways. */
  phone?: { provider: PhoneLine["provider"]; callId: string; interDigitPauseMs?: number | undefined } | undefined;
}

const socketCloseTimeoutMs = 2000;

export class LocalMediaChannel implements MediaChannel {
  readonly sessionId: string;
  readonly agentId: string;
  readonly sampleRateHz: number;
  readonly input: LocalAudioInput;
  readonly output: LocalAudioOutput;
  readonly ended: Promise<CallEnd>;
  readonly phone?: PhoneLine;

  private readonly phoneLine: LocalPhoneLine | undefined;
  private readonly socket: WebSocket;
  private readonly backgroundSource: BackgroundSourceFactory | undefined;
  private readonly closePlayoutTimeoutMs: number;
  private readonly maxBinaryBytes: number;
  private readonly interruptListeners = new Set<() => void>();
  private resolveEnded: (end: CallEnd) => void = () => {};
  private end: CallEnd | null = null;
  private keepalive: Keepalive | null = null;

  constructor(options: LocalMediaChannelOptions) {
    this.sessionId = options.sessionId;
    this.agentId = options.agentId;
    this.sampleRateHz = options.sampleRateHz;
    this.socket = options.socket;
    this.backgroundSource = options.backgroundSource;
    this.closePlayoutTimeoutMs = options.closePlayoutTimeoutMs ?? 15_000;
    this.maxBinaryBytes = mediaBinaryFrameMaxBytes(options.sampleRateHz);
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.input = new LocalAudioInput({ sampleRateHz: options.sampleRateHz, frameMs: options.frameMs, onReceivedFrame: options.taps?.onReceivedFrame });
    this.output = new LocalAudioOutput({
      sampleRateHz: options.sampleRateHz,
      frameMs: options.frameMs,
      leadFrames: options.leadFrames,
      onSentFrame: options.taps?.onSentFrame,
      sink: { sendAudio: (samples) => this.sendBinary(samples), sendControl: (message) => this.send(message) },
    });

    if (options.phone) {
      this.phoneLine = new LocalPhoneLine({ ...options.phone, send: (digits) => this.send({ type: "dtmf", digits }) });
      this.phone = this.phoneLine;
    }

    this.socket.on("message", (data, isBinary) => {
      this.keepalive?.markAlive();
      try {
        if (isBinary) this.onAudio(data);
        else this.onText(rawText(data));
      } catch (err) {
        log.error("local media: frame handling failed", { sessionId: this.sessionId, ...errorFields(err) });
        this.sendError("internal", "the frame could not be handled");
      }
    });
    this.socket.on("close", (code) => {
      // 1000/1001 is the caller leaving on purpose; anything else (1006: no close frame) is a lost line.
      const hungUp = code === mediaCloseCodes.normal || code === mediaCloseCodes.goingAway;
      this.finish(hungUp ? { reason: "caller hung up", failed: false } : { reason: "media connection lost", failed: true }, { code });
    });
    this.socket.on("error", (err) => log.warn("local media: socket error", { sessionId: this.sessionId, ...errorFields(err) }));

    this.keepalive = startKeepalive(this.socket, options.pingIntervalMs ?? 15_000);
  }

  /** The caller asked the agent to stop talking (a client `interrupt`); returns an unsubscribe. */
  onInterrupt(listener: () => void): () => void {
    this.interruptListeners.add(listener);
    return () => this.interruptListeners.delete(listener);
  }

  setBackground(background: { sound: string; volume: number } | null): void {
    let source: BackgroundSource | null = null;
    if (background && this.backgroundSource) {
      try {
        source = this.backgroundSource(background.sound, this.sampleRateHz);
      } catch (err) {
        log.warn("local media: background source failed", { sessionId: this.sessionId, sound: background.sound, ...errorFields(err) });
      }
    }
    this.output.setBackground(source, background?.volume ?? 0);
  }

  /** Hangs up from the agent's side once its last words have played (waiting at most the bound). */
  async close(reason: string): Promise<void> {
    if (this.end) return;
    await this.output.playoutWithin(this.closePlayoutTimeoutMs);
    await this.hangUp(reason, { reason, failed: false }, mediaCloseCodes.normal);
  }

  /** Ends the call now (the server is shutting down): `end`, then close with `code`. */
  async terminate(reason: string, code: number = mediaCloseCodes.goingAway): Promise<void> {
    await this.hangUp(reason, { reason, failed: true }, code);
  }

  private async hangUp(reason: string, end: CallEnd, code: number): Promise<void> {
    if (this.end) return;
    this.send({ type: "end", reason });
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

  private onAudio(data: RawData): void {
    const bytes = rawBytes(data);
    if (bytes.byteLength > this.maxBinaryBytes) {
      this.sendError("too_large", `binary frames are limited to ${this.maxBinaryBytes} bytes (1 s of audio)`);
      return;
    }
    if (bytes.byteLength % 2 !== 0) {
      this.sendError("bad_frame", "binary frames carry whole PCM16 samples (an even byte count)");
      return;
    }
    this.input.pushPcm(pcmFromBytes(bytes));
  }

  private onText(text: string): void {
    const parsed = parseMediaClientMessage(text);
    if (!parsed.ok) {
      this.send(parsed.error);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case "hello":
        this.sendError("bad_frame", "hello was already accepted");
        return;
      case "interrupt":
        for (const listener of [...this.interruptListeners]) {
          try {
            listener();
          } catch (err) {
            log.error("local media: interrupt listener failed", { sessionId: this.sessionId, ...errorFields(err) });
          }
        }
        return;
      case "mark":
        // Playback is timed on the server's clock; the echo only confirms it, for debugging.
        log.debug("local media: mark played", { sessionId: this.sessionId, mark: message.name });
        return;
      case "end":
        this.finish({ reason: "caller hung up", failed: false }, { code: mediaCloseCodes.normal });
        this.socket.close(mediaCloseCodes.normal);
        return;
      case "dtmf":
        // Only a phone gateway's token makes a phone line; a browser cannot press phone keys.
        if (!this.phoneLine) {
          this.sendError("bad_frame", "keys are carried only on phone calls");
          return;
        }
        log.debug("local media: keys pressed", { sessionId: this.sessionId });
        this.phoneLine.received(message.digits);
        return;
    }
  }

  private finish(end: CallEnd, detail: { code: number }): void {
    if (this.end) return;
    this.end = end;
    this.keepalive?.stop();
    this.phoneLine?.end();
    this.output.dispose();
    this.input.end();
    log.info("local media: call ended", { sessionId: this.sessionId, reason: end.reason, failed: end.failed, closeCode: detail.code });
    this.resolveEnded(end);
  }

  private sendError(code: MediaErrorCode, message: string): void {
    this.send({ type: "error", code, message });
  }

  /** False when the socket is no longer open (nothing was sent). */
  private send(message: MediaServerMessage): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  private sendBinary(samples: Int16Array): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(bytesFromPcm(samples));
  }
}

export function rawBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

export function rawText(data: RawData): string {
  const bytes = rawBytes(data);
  return Buffer.isBuffer(bytes) ? bytes.toString("utf8") : new TextDecoder().decode(bytes);
}
