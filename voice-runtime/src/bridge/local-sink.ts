// The local sink: the voice runtime's embedded media endpoint, spoken to as every local client does
// (transport/local/client.ts) at `${RUNTIME_MEDIA_URL}?session=<sid>`, with a media token the
// bridge signs for the session (role "voximplant"). The runtime paces its audio and sends `clear`
// on barge-in and `end` when the agent hangs up. The local protocol carries no DTMF
// (packages/contracts/src/media-protocol.ts), so keys are not forwarded on this sink.
import { signSessionToken } from "@speaknode/tokens";
import { connectLocalMedia, type LocalMediaClient } from "../transport/local/client.ts";
import type { BridgeSink, SinkEvents, SinkFactory, SinkTarget } from "./sink.ts";
import { sinkSampleRateHz } from "./sink.ts";

export interface LocalSinkOptions {
  /** The runtime's local media endpoint, without `?session=`. */
  mediaUrl: string;
  tokenSecret: string;
}

export function localSinkFactory(options: LocalSinkOptions): SinkFactory {
  return (target, events) => localSink(options, target, events);
}

function localSink(options: LocalSinkOptions, target: SinkTarget, events: SinkEvents): BridgeSink {
  let ending = false;
  let hungUp = false;
  const url = new URL(options.mediaUrl);
  url.searchParams.set("session", target.sessionId);

  const clientPromise = signSessionToken(options.tokenSecret, {
    sessionId: target.sessionId,
    agentId: target.agentId,
    scope: "media",
    role: "voximplant",
    ttlS: 60,
    ...(target.callId ? { callId: target.callId } : {}),
  }).then((token) => {
    const client = connectLocalMedia({ url: url.toString(), token, sampleRateHz: sinkSampleRateHz });
    client.onAudio((audio) => events.onAudio(audio.samples));
    client.onClear(() => events.onClear());
    void client.closed.then(({ code }) => {
      if (ending) return;
      // `end` from the runtime is the agent hanging up; a close without it is a lost sink.
      if (client.endReason !== null) {
        hungUp = true;
        events.onHangup(client.endReason);
      } else events.onLost(`runtime media closed (${code})${client.errors[0] ? `: ${client.errors[0].code}` : ""}`);
    });
    return client;
  });
  // The runtime refuses audio before `ready`: the caller's first words before it are dropped.
  let admitted: LocalMediaClient | null = null;
  const ready = clientPromise.then(async (client) => {
    await client.ready;
    admitted = client;
  });
  ready.catch(() => {}); // the call awaits it; a sink nobody awaits must not crash the process

  return {
    ready,
    sendAudio(samples) {
      admitted?.sendPcm(samples);
    },
    sendDtmf: () => false,
    async end(reason) {
      if (ending || hungUp) return;
      ending = true;
      const client = await clientPromise.catch(() => null);
      await client?.end(reason);
    },
  };
}
