// The runtime API client: how the voice runtime reads a session's configuration and reports what
// happens in it. Authenticates with a service token it signs itself (shared secret with the
// Worker), refreshed before it expires. Transient failures (network, 408/429/5xx) are retried
// with backoff; everything else surfaces as a RuntimeApiError at once.
import { open, type FileHandle } from "node:fs/promises";
import {
  RecordingPart,
  RecordingStored,
  RecordingUpload,
  RuntimeConfig,
  RuntimeEventAck,
  RuntimePhoneTransferResult,
  RuntimeSessionState,
  RuntimeSipInboundResult,
  toStorable,
  type RecordingContentType,
  type RecordingTrack,
  type RuntimeCapabilitiesBody,
  type RuntimeEvent,
  type RuntimePhoneTransferBody,
  type RuntimeSipInboundBody,
  type RuntimeSipParticipantBody,
  type WaveformBody,
} from "@speaknode/contracts";
import { signRuntimeServiceToken } from "@speaknode/tokens";

export class RuntimeApiError extends Error {
  override name = "RuntimeApiError";
  readonly status: number;
  readonly code: string | undefined;
  readonly retryable: boolean;
  constructor(message: string, status: number, code: string | undefined, retryable: boolean) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryable = retryable;
  }
}

export interface RuntimeApiOptions {
  baseUrl: string;
  tokenSecret: string;
  runtimeId: string;
  /** Attempts for transient failures (default 5), with backoff from `retryBaseMs` (default 200). */
  attempts?: number;
  retryBaseMs?: number;
  /** Size of every part of a recording upload but the last (default 8 MiB; 5–16 MiB). */
  recordingPartBytes?: number;
  fetch?: typeof fetch;
}

const tokenTtlS = 600;
const requestTimeoutMs = 15_000;
/** A part is megabytes: give a slow uplink time to send it. */
const partTimeoutMs = 120_000;

export class RuntimeApi {
  readonly #opts: Required<Omit<RuntimeApiOptions, "fetch">> & { fetch: typeof fetch };
  #token: { value: string; renewAtMs: number } | undefined;

  constructor(opts: RuntimeApiOptions) {
    this.#opts = { attempts: 5, retryBaseMs: 200, recordingPartBytes: 8 * 1024 * 1024, fetch: globalThis.fetch.bind(globalThis), ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, "") };
  }

  async config(sessionId: string): Promise<RuntimeConfig> {
    return RuntimeConfig.parse(await this.#json("GET", `/sessions/${sessionId}/config`));
  }

  /** The configuration to switch to when the session hands over to `agentId`. */
  async transferConfig(sessionId: string, agentId: string): Promise<RuntimeConfig> {
    return RuntimeConfig.parse(await this.#json("GET", `/sessions/${sessionId}/transfer-targets/${agentId}/config`));
  }

  async postEvent(sessionId: string, eventId: string, event: RuntimeEvent): Promise<RuntimeEventAck> {
    // A transcript or a webhook's answer may hold NUL or a broken surrogate, which the API refuses
    // (Postgres cannot store them): send U+FFFD in their place rather than lose the event.
    return RuntimeEventAck.parse(await this.#json("POST", `/sessions/${sessionId}/events`, { eventId, event: toStorable(event) }));
  }

  /**
   * Asks the platform to transfer the session's phone call to one of the agent's transfer
   * destinations, by name: the Worker looks the number up in the agent's configuration (the runtime
   * never sends one) and redirects the call, which ends its media stream. A refusal (409: not a live
   * phone call, 404: unknown destination) is a RuntimeApiError.
   */
  async transferCall(sessionId: string, destination: string): Promise<void> {
    const body: RuntimePhoneTransferBody = { destination };
    RuntimePhoneTransferResult.parse(await this.#json("POST", `/sessions/${sessionId}/phone/transfer`, body));
  }

  /**
   * A SIP call a platform dispatch rule sent straight into LiveKit, with no session yet: the Worker
   * resolves the number to its agent and creates the session (accept), or says why it will not
   * take the call (reject: the runtime hangs up).
   */
  async sipInbound(body: RuntimeSipInboundBody): Promise<RuntimeSipInboundResult> {
    return RuntimeSipInboundResult.parse(await this.#json("POST", "/sip/sessions", body));
  }

  /** Tells the Worker which SIP participant carries the session's call (its call id, numbers, and where a transfer goes). */
  async sipParticipant(sessionId: string, body: RuntimeSipParticipantBody): Promise<void> {
    await this.#request("POST", `/sessions/${sessionId}/sip`, { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  }

  /** The session's status, and whether it has ended. */
  async sessionState(sessionId: string): Promise<RuntimeSessionState> {
    return RuntimeSessionState.parse(await this.#json("GET", `/sessions/${sessionId}`));
  }

  /**
   * Uploads the file at `path` as one track, in parts read from disk one at a time (so memory holds
   * one part, whatever the track's length). A part that fails transiently is sent again under its
   * number, replacing the first try. Resolves once the Worker has stored the track; on failure the
   * upload is aborted and the error thrown — the file is the caller's to keep for another attempt.
   * Returns null for an empty file.
   */
  async uploadRecording(sessionId: string, track: RecordingTrack, path: string, contentType: RecordingContentType = "audio/wav"): Promise<RecordingStored | null> {
    const file = await open(path, "r");
    try {
      const { size } = await file.stat();
      if (size === 0) return null;
      const uploads = `/sessions/${sessionId}/recording/${track}/uploads`;
      const { uploadId } = RecordingUpload.parse(await this.#json("POST", uploads, { contentType, sizeBytes: size }));
      const upload = `${uploads}/${encodeURIComponent(uploadId)}`;
      try {
        const partBytes = this.#opts.recordingPartBytes;
        const buffer = Buffer.allocUnsafe(Math.min(partBytes, size));
        const parts: RecordingPart[] = [];
        for (let offset = 0, partNumber = 1; offset < size; offset += partBytes, partNumber++) {
          const length = Math.min(partBytes, size - offset);
          await readExactly(file, buffer, length, offset);
          // the buffer is reused: each part's request (and its retries) ends before the next read
          const res = await this.#request("PUT", `${upload}/parts/${partNumber}`, {
            body: buffer.subarray(0, length),
            headers: { "content-type": "application/octet-stream" },
            timeoutMs: partTimeoutMs,
          });
          parts.push(RecordingPart.parse(await res.json()));
        }
        return RecordingStored.parse(await this.#json("POST", `${upload}/complete`, { parts }));
      } catch (err) {
        // R2 also drops abandoned uploads after a week; aborting frees the parts now.
        await this.#request("DELETE", upload, {}).catch(() => undefined);
        throw err;
      }
    } finally {
      await file.close();
    }
  }

  /** Tells the platform what this runtime can run (providers, offline engines, listed voices). */
  async putCapabilities(body: RuntimeCapabilitiesBody): Promise<void> {
    await this.#request("PUT", "/capabilities", { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  }

  async putWaveform(sessionId: string, body: WaveformBody): Promise<void> {
    await this.#request("PUT", `/sessions/${sessionId}/waveform`, { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  }

  async #token_(): Promise<string> {
    const now = Date.now();
    if (this.#token && now < this.#token.renewAtMs) return this.#token.value;
    const value = await signRuntimeServiceToken(this.#opts.tokenSecret, { ttlS: tokenTtlS, subject: this.#opts.runtimeId });
    this.#token = { value, renewAtMs: now + (tokenTtlS - 60) * 1000 };
    return value;
  }

  async #json(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.#request(method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    return res.json();
  }

  async #request(method: string, path: string, init: { body?: string | Uint8Array; headers?: Record<string, string>; timeoutMs?: number }): Promise<Response> {
    const url = `${this.#opts.baseUrl}/runtime/v1${path}`;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.#opts.attempts; attempt++) {
      let res: Response;
      try {
        res = await this.#opts.fetch(url, {
          method,
          headers: { ...init.headers, authorization: `Bearer ${await this.#token_()}`, accept: "application/json" },
          ...(init.body !== undefined ? { body: init.body } : {}),
          signal: AbortSignal.timeout(init.timeoutMs ?? requestTimeoutMs),
        });
      } catch (err) {
        lastError = new RuntimeApiError(`runtime API unreachable: ${err instanceof Error ? err.message : String(err)}`, 0, undefined, true);
        await this.#backoff(attempt);
        continue;
      }
      if (res.ok) return res;
      const problem = await res.json().catch(() => ({}) as Record<string, unknown>);
      const code = typeof problem === "object" && problem !== null && "code" in problem && typeof problem.code === "string" ? problem.code : undefined;
      const detail = typeof problem === "object" && problem !== null && "detail" in problem && typeof problem.detail === "string" ? problem.detail : res.statusText;
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      lastError = new RuntimeApiError(`runtime API ${method} ${path.replace(/ses_[0-9a-z]+/g, "{session}").replace(/uploads\/[^/]+/, "uploads/{upload}")}: ${res.status} ${detail}`, res.status, code, retryable);
      if (!retryable) throw lastError;
      await this.#backoff(attempt);
    }
    throw lastError;
  }

  async #backoff(attempt: number): Promise<void> {
    if (attempt >= this.#opts.attempts) return;
    const delayMs = this.#opts.retryBaseMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
    await new Promise((r) => setTimeout(r, delayMs));
  }
}

async function readExactly(file: FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
  for (let done = 0; done < length; ) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new Error("the recording file shrank while it was uploaded");
    done += bytesRead;
  }
}
