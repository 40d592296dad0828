// The local sink: the voice runtime's embedded media endpoint, spoken to as every local client does
// (transport/local/client.ts) at `${RUNTIME_MEDIA_URL}?session=<sid>`, with a media token the
// bridge signs for the session (role "voximplant", which makes the runtime's channel a phone line).
// The runtime paces its audio and sends `clear` on barge-in and `end` when the agent hangs up. Keys
// travel as the protocol's `dtmf` messages both ways: the caller's, one per key, into the session;
// the agent's (send_dtmf) back to the scenario, which plays them with call.sendDigits. A runtime
// that cannot be reached at first (restarting) is tried again a few times; once admitted, a lost
// connection ends the call, as the runtime ends the session then.
import { signSessionToken } from "@speaknode/tokens";
import { log } from "../log.ts";
import { connectLocalMedia, type LocalMediaClient } from "../transport/local/client.ts";
import type { BridgeSink, SinkEvents, SinkFactory, SinkTarget } from "./sink.ts";
import { sinkSampleRateHz } from "./sink.ts";

export interface LocalSinkOptions {
  /** The runtime's local media endpoint, without `?session=`. */
  mediaUrl: string;
  tokenSecret: string;
  /** Waits between tries while the runtime cannot be reached (default 200, 500, 1000 ms). */
  connectRetryDelaysMs?: number[];
}

export function localSinkFactory(options: LocalSinkOptions): SinkFactory {
  return (target, events) => localSink(options, target, events);
}

/** Waits before the next try when the runtime could not be reached at all (not when it refused). */
const connectRetryDelaysMs = [200, 500, 1000];

function localSink(options: LocalSinkOptions, target: SinkTarget, events: SinkEvents): BridgeSink {
  let ending = false;
  let hungUp = false;
  const url = new URL(options.mediaUrl);
  url.searchParams.set("session", target.sessionId);
  const retryDelaysMs = options.connectRetryDelaysMs ?? connectRetryDelaysMs;

  async function connect(): Promise<LocalMediaClient> {
    const token = await signSessionToken(options.tokenSecret, {
      sessionId: target.sessionId,
      agentId: target.agentId,
      scope: "media",
      role: "voximplant",
      ttlS: 60,
      ...(target.callId ? { callId: target.callId } : {}),
    });
    for (let attempt = 0; ; attempt++) {
      const client = connectLocalMedia({ url: url.toString(), token, sampleRateHz: sinkSampleRateHz });
      client.onAudio((audio) => events.onAudio(audio.samples));
      client.onClear(() => events.onClear());
      client.onDtmf((digits) => events.onDtmf(digits));
      try {
        await client.ready;
        return client;
      } catch (err) {
        // A runtime restarting drops connections (1006); one that answered with a close code refused the call.
        const { code } = await client.closed;
        if (code !== 1006 || ending || attempt >= retryDelaysMs.length) throw err;
        log.warn("voximplant bridge: runtime media unreachable, trying again", { sessionId: target.sessionId, attempt: attempt + 1 });
        await new Promise((resolve) => setTimeout(resolve, retryDelaysMs[attempt]));
      }
    }
  }

  // The runtime refuses audio before `ready`: the caller's first words before it are dropped.
  let admitted: LocalMediaClient | null = null;
  const clientPromise = connect();
  const ready = clientPromise.then((client) => {
    admitted = client;
    void client.closed.then(({ code }) => {
      if (ending) return;
      // `end` from the runtime is the agent hanging up; a close without it is a lost sink.
      if (client.endReason !== null) {
        hungUp = true;
        events.onHangup(client.endReason);
      } else events.onLost(`runtime media closed (${code})`);
    });
  });
  ready.catch(() => {}); // the call awaits it; a sink nobody awaits must not crash the process

  return {
    ready,
    sendAudio(samples) {
      admitted?.sendPcm(samples);
    },
    sendDtmf(digit) {
      // Before `ready` the runtime refuses every frame: a key then is dropped, like the audio.
      if (!admitted) return false;
      admitted.sendDtmf(digit);
      return true;
    },
    async end(reason) {
      if (ending || hungUp) return;
      ending = true;
      const client = await clientPromise.catch(() => null);
      await client?.end(reason);
    },
  };
}
