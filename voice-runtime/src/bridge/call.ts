// One VoxImplant call through the bridge: the scenario's WebSocket on one side, a sink (the
// session's agent) on the other. Caller audio is decoded from the scenario's format and handed to
// the sink at 8 kHz; agent audio goes back through the pacer in the same format the scenario
// streams in (its own start/media/stop). Whichever side ends first ends the other.
import type { RawData, WebSocket } from "ws";
import { errorFields, log } from "../log.ts";
import { startKeepalive, type Keepalive } from "../transport/keepalive.ts";
import { Downsampler16To8, Upsampler8To16 } from "../transport/twilio/codec.ts";
import { rawText } from "../transport/local/channel.ts";
import { decodePayload, deserialize, encodePayload, serialize, type VoximplantMediaFormat, type VoximplantOutbound } from "../transport/voximplant/serializer.ts";
import { Pacer, type PacerOptions } from "./pacer.ts";
import { sinkSampleRateHz, type BridgeSink, type SinkFactory, type SinkTarget } from "./sink.ts";

export interface CallMetrics {
  sessionId: string;
  callId: string | undefined;
  startedAt: string;
  framesIn: number;
  framesOut: number;
  underruns: number;
  drops: number;
  queueMs: number;
  /** Frames from the scenario that were not ours to read (garbage, unknown, out of format). */
  ignored: number;
  clears: number;
  /** Keys the caller pressed (from the scenario), and of them those the sink could not carry. */
  dtmfIn: number;
  dtmfDropped: number;
  /** Key messages the agent sent to the scenario. */
  dtmfOut: number;
}

export interface BridgeCallOptions {
  socket: WebSocket;
  target: SinkTarget;
  sink: SinkFactory;
  pacer?: Omit<PacerOptions, "sampleRateHz" | "bufferedAmount" | "send">;
  /** How long an agent hang-up waits for its last queued words to go out (default 2 s). */
  hangupDrainMs?: number;
  /** A scenario that answers no ping for this long is gone (default 15 s; 0 turns pings off). */
  pingIntervalMs?: number;
}

export const bridgeCloseCodes = { normal: 1000, goingAway: 1001, internal: 1011, unauthorized: 4401 } as const;

export class BridgeCall {
  readonly target: SinkTarget;
  /** Resolves once both sides are done. */
  readonly ended: Promise<void>;
  private readonly socket: WebSocket;
  private readonly sink: BridgeSink;
  private readonly pacer: Pacer;
  private readonly startedAt = new Date().toISOString();
  private readonly counters = { framesIn: 0, ignored: 0, clears: 0, dtmfIn: 0, dtmfDropped: 0, dtmfOut: 0 };
  private readonly hangupDrainMs: number;
  private format: VoximplantMediaFormat | null = null;
  /** The scenario's spelling of its encoding, mirrored in our own start. */
  private encodingName: string | undefined;
  private downsampler: Downsampler16To8 | null = null;
  private upsampler: Upsampler8To16 | null = null;
  private out = { started: false, sequenceNumber: 0, chunk: 0, timestamp: 0, bytesSent: 0 };
  private finished = false;
  private readonly keepalive: Keepalive;
  private resolveEnded: () => void = () => {};

  constructor(options: BridgeCallOptions) {
    this.socket = options.socket;
    this.target = options.target;
    this.hangupDrainMs = options.hangupDrainMs ?? 2000;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.pacer = new Pacer({
      ...options.pacer,
      sampleRateHz: sinkSampleRateHz,
      bufferedAmount: () => this.socket.bufferedAmount,
      send: (frame) => this.sendAgentFrame(frame),
    });
    this.sink = options.sink(this.target, {
      onAudio: (samples) => this.pacer.push(samples),
      onClear: () => {
        this.counters.clears++;
        this.pacer.clear();
        this.send({ kind: "clear" });
      },
      onHangup: (reason) => void this.agentHangup(reason),
      onDtmf: (digits) => {
        this.counters.dtmfOut++;
        this.send({ kind: "dtmf", digits });
      },
      onLost: (reason) => void this.fail("sink_lost", "the agent's media connection was lost", reason),
    });
    this.sink.ready.catch((err: unknown) => void this.fail("sink_refused", "the agent could not be reached", err instanceof Error ? err.message : String(err)));

    this.keepalive = startKeepalive(this.socket, options.pingIntervalMs ?? 15_000);
    this.socket.on("message", (data, isBinary) => {
      this.keepalive.markAlive();
      try {
        this.onFrame(data, isBinary);
      } catch (err) {
        this.counters.ignored++;
        log.error("voximplant bridge: frame handling failed", { sessionId: this.target.sessionId, ...errorFields(err) });
      }
    });
    this.socket.on("close", (code) => void this.scenarioGone(code));
    this.socket.on("error", (err) => log.warn("voximplant bridge: socket error", { sessionId: this.target.sessionId, ...errorFields(err) }));
    log.info("voximplant bridge: call connected", { sessionId: this.target.sessionId });
  }

  metrics(): CallMetrics {
    return {
      sessionId: this.target.sessionId,
      callId: this.target.callId,
      startedAt: this.startedAt,
      framesIn: this.counters.framesIn,
      framesOut: this.pacer.metrics.framesOut,
      underruns: this.pacer.metrics.underruns,
      drops: this.pacer.metrics.drops,
      queueMs: this.pacer.queueMs,
      ignored: this.counters.ignored,
      clears: this.counters.clears,
      dtmfIn: this.counters.dtmfIn,
      dtmfDropped: this.counters.dtmfDropped,
      dtmfOut: this.counters.dtmfOut,
    };
  }

  /** The bridge is stopping: the scenario hears a hang-up, the agent's side ends. */
  async shutdown(reason: string): Promise<void> {
    if (this.finished) return this.ended;
    this.send({ kind: "hangup", reason });
    await this.finish(reason, bridgeCloseCodes.goingAway);
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.finished) return;
    const frame = isBinary ? null : deserialize(rawText(data));
    if (!frame) {
      this.counters.ignored++;
      return;
    }
    switch (frame.kind) {
      case "start":
        this.format = frame.format;
        this.encodingName = frame.encoding;
        this.downsampler = frame.format.sampleRateHz === 16000 ? new Downsampler16To8() : null;
        this.upsampler = frame.format.sampleRateHz === 16000 ? new Upsampler8To16() : null;
        this.pacer.resume();
        return;
      case "media": {
        const samples = this.format ? decodePayload(frame.payload, this.format.codec) : null;
        if (!samples) {
          this.counters.ignored++;
          return;
        }
        this.counters.framesIn++;
        this.sink.sendAudio(this.downsampler ? this.downsampler.push(samples) : samples);
        return;
      }
      case "stop":
        return; // the stream paused; a new start may follow
      case "dtmf":
        this.counters.dtmfIn++;
        if (!this.sink.sendDtmf(frame.digit)) {
          this.counters.dtmfDropped++;
          log.debug("voximplant bridge: key not carried (the sink is not ready)", { sessionId: this.target.sessionId });
        }
        return;
      case "hangup":
        void this.finish("caller hung up", bridgeCloseCodes.normal);
        return;
    }
  }

  private sendAgentFrame(frame: Int16Array): void {
    const format = this.format;
    if (!format) return;
    if (!this.out.started) {
      this.out.started = true;
      this.send({ kind: "start", sequenceNumber: this.out.sequenceNumber++, format, ...(this.encodingName ? { encoding: this.encodingName } : {}) });
    }
    const samples = this.upsampler ? this.upsampler.push(frame) : frame;
    const payload = encodePayload(samples, format.codec);
    this.send({ kind: "media", sequenceNumber: this.out.sequenceNumber++, chunk: ++this.out.chunk, timestamp: this.out.timestamp, payload });
    this.out.timestamp += samples.length;
    this.out.bytesSent += format.codec === "ulaw" ? samples.length : samples.length * 2;
  }

  private async agentHangup(reason: string): Promise<void> {
    if (this.finished) return;
    await this.pacer.drain(this.hangupDrainMs);
    this.send({ kind: "hangup", reason });
    await this.finish(reason, bridgeCloseCodes.normal);
  }

  private async fail(code: string, message: string, detail: string): Promise<void> {
    if (this.finished) return;
    log.warn("voximplant bridge: call failed", { sessionId: this.target.sessionId, code, pii: { detail } });
    this.send({ kind: "error", code, message });
    this.send({ kind: "hangup", reason: message });
    await this.finish(message, bridgeCloseCodes.internal);
  }

  private async scenarioGone(code: number): Promise<void> {
    if (this.finished) return;
    await this.finish(code === bridgeCloseCodes.normal || code === bridgeCloseCodes.goingAway ? "caller hung up" : "voximplant connection lost", code);
  }

  private async finish(reason: string, closeCode: number): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.keepalive.stop();
    if (this.out.started && this.format) {
      const durationMs = Math.round((this.out.timestamp * 1000) / this.format.sampleRateHz);
      this.send({ kind: "stop", sequenceNumber: this.out.sequenceNumber++, bytesSent: this.out.bytesSent, durationMs });
    }
    this.pacer.stop();
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(closeCode, reason.slice(0, 120));
    try {
      await this.sink.end(reason);
    } catch (err) {
      log.warn("voximplant bridge: sink did not end cleanly", { sessionId: this.target.sessionId, ...errorFields(err) });
    }
    log.info("voximplant bridge: call ended", { reason, ...this.metrics() });
    this.resolveEnded();
  }

  private send(frame: VoximplantOutbound): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(serialize(frame));
  }
}
