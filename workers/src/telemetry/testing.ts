// Test helpers for telemetry inside workerd: a producer binding that records what it is sent,
// plus the OTLP fixtures.
import type { TelemetryMessage } from "@speaknode/contracts";

export * from "./fixtures.ts";

export interface RecordingQueue {
  queue: Queue<TelemetryMessage>;
  sent: { body: TelemetryMessage; contentType: string | undefined; delaySeconds: number | undefined }[];
  calls: number;
}

/** A producer binding that keeps what it is sent (or fails every send). */
export function recordingQueue(opts: { fail?: boolean } = {}): RecordingQueue {
  const rec: RecordingQueue = { queue: undefined as unknown as Queue<TelemetryMessage>, sent: [], calls: 0 };
  const sendBatch = async (messages: Iterable<MessageSendRequest<TelemetryMessage>>) => {
    rec.calls++;
    if (opts.fail) throw new Error("Queue send failed: injected");
    for (const m of messages) rec.sent.push({ body: structuredClone(m.body), contentType: m.contentType, delaySeconds: m.delaySeconds });
  };
  rec.queue = { send: async (body: TelemetryMessage) => sendBatch([{ body }]), sendBatch } as unknown as Queue<TelemetryMessage>;
  return rec;
}
