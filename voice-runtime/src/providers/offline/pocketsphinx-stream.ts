// The runtime's side of pocketsphinx_stream.py: one warm Python process (Debian's python3-pocketsphinx)
// decoding utterances as their audio arrives, so a final transcript costs only the decoder's
// end-of-utterance pass once the caller stops. The wire format is described in the Python file.
import { type ChildProcess, spawn } from "node:child_process";
import { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { killProcessGroup } from "./speech-tools.ts";

/** Debian's interpreter: the binding is installed for it, not for a python3 earlier on PATH (pyenv). */
export const SYSTEM_PYTHON = "/usr/bin/python3";
/** Where python3-pocketsphinx puts the module (Debian's version-independent dist-packages). */
export const POCKETSPHINX_PYTHON_MODULE = "/usr/lib/python3/dist-packages/pocketsphinx/__init__.py";
const SCRIPT = fileURLToPath(new URL("./pocketsphinx_stream.py", import.meta.url));

/** The decoder process failed, stalled or was closed while an utterance was waiting. */
export class PocketsphinxDecodeError extends Error {
  override readonly name = "PocketsphinxDecodeError";
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

export interface DecodeResult {
  text: string;
  /** pocketsphinx's path score (log domain; higher is better); not a probability. */
  pathScore: number;
  utteranceId: string;
}

const Line = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({ type: z.literal("missing"), message: z.string() }),
  z.object({ type: z.literal("partial"), utt: z.number().int(), text: z.string() }),
  z.object({ type: z.literal("final"), utt: z.number().int(), text: z.string(), score: z.number() }),
  z.object({ type: z.literal("error"), utt: z.number().int(), message: z.string() }),
]);

/** Frame kinds, as their ASCII letters. */
const Kind = { Start: 0x53, Audio: 0x41, End: 0x45, Drop: 0x58 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

export interface DecoderOptions {
  hmm: string;
  lm: string;
  dict: string;
  /** New audio between two interim hypotheses (only sent when the text changed). */
  partialEveryMs: number;
}

/** One utterance being decoded. Its audio is kept so that a process that dies can be replaced. */
export class Utterance {
  readonly id: number;
  readonly #decoder: PocketsphinxStreamDecoder;
  readonly #onPartial: (text: string) => void;
  readonly chunks: Buffer[] = [];
  #bytes = 0;
  /** The process this utterance's audio goes to; null once that died or the utterance was dropped. */
  process: ChildProcess | null;
  /** Set once the final is asked for. */
  settle: ((outcome: { error: Error } | { result: DecodeResult }) => void) | null = null;
  /** Set once the final is in (or the utterance was dropped): no more partials. */
  finished = false;

  constructor(decoder: PocketsphinxStreamDecoder, id: number, process: ChildProcess, onPartial: (text: string) => void) {
    this.#decoder = decoder;
    this.id = id;
    this.process = process;
    this.#onPartial = onPartial;
  }

  /** 16 kHz mono PCM16 of this utterance, in order. */
  write(pcm16k: Int16Array): void {
    if (pcm16k.length === 0 || this.settle !== null) return;
    const bytes = Buffer.from(pcm16k.buffer, pcm16k.byteOffset, pcm16k.byteLength);
    const copy = Buffer.from(bytes); // the caller may reuse its buffer (the VAD's speech buffer does)
    this.chunks.push(copy);
    this.#bytes += copy.length;
    this.#decoder.send(this, Kind.Audio, copy);
  }

  /** Until the final is in: a partial read after the VAD's end of speech still precedes the final. */
  partial(text: string): void {
    if (!this.finished) this.#onPartial(text);
  }

  /** The final hypothesis; a process that died meanwhile is replaced and the audio decoded again once. */
  end(timeoutMs: number, signal?: AbortSignal): Promise<DecodeResult> {
    return this.#decoder.finish(this, timeoutMs, signal);
  }

  /** Forgets the utterance (the stream closed while the caller spoke). */
  drop(): void {
    this.#decoder.drop(this);
  }

  get seconds(): number {
    return this.#bytes / 2 / 16_000;
  }
}

const abortError = () => new DOMException("recognition aborted", "AbortError");

/**
 * One long-lived pocketsphinx_stream.py in its own process group, started on first use and again
 * after it dies. Utterances may overlap (each gets a decoder of its own in the process); lines are
 * matched to them by utterance id.
 */
export class PocketsphinxStreamDecoder {
  readonly #args: string[];
  #child: ChildProcess | null = null;
  #ready: Promise<void> | null = null;
  readonly #open = new Map<number, Utterance>();
  #stdout = "";
  #sequence = 0;
  #closed = false;

  constructor(options: DecoderOptions) {
    this.#args = [SCRIPT, "--hmm", options.hmm, "--lm", options.lm, "--dict", options.dict, "--partial-every-ms", String(options.partialEveryMs)];
  }

  get processId(): number | undefined {
    return this.#child?.pid;
  }

  /** Resolves once the model is loaded (the first start pays ~0.5 s). */
  async ready(timeoutMs: number): Promise<void> {
    if (this.#closed) throw new PocketsphinxDecodeError("PocketsphinxSTT is closed", false);
    this.#ensureChild();
    // The timer also keeps the event loop alive meanwhile: the process and its pipes are unref'd.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PocketsphinxDecodeError(`pocketsphinx did not load its model within ${timeoutMs} ms`, true)), timeoutMs);
    });
    try {
      await Promise.race([this.#ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  open(onPartial: (text: string) => void = () => {}): Utterance {
    if (this.#closed) throw new PocketsphinxDecodeError("PocketsphinxSTT is closed", false);
    const child = this.#ensureChild();
    const utterance = new Utterance(this, ++this.#sequence, child, onPartial);
    this.#open.set(utterance.id, utterance);
    this.send(utterance, Kind.Start);
    return utterance;
  }

  send(utterance: Utterance, kind: Kind, payload?: Buffer): void {
    const child = utterance.process;
    if (child === null || child !== this.#child) return; // that process is gone: end() replays the audio
    const header = Buffer.alloc(9);
    header.writeUInt8(kind, 0);
    header.writeUInt32BE(utterance.id, 1);
    header.writeUInt32BE(payload?.length ?? 0, 5);
    child.stdin?.write(payload ? Buffer.concat([header, payload]) : header);
  }

  finish(utterance: Utterance, timeoutMs: number, signal?: AbortSignal): Promise<DecodeResult> {
    if (this.#closed) return Promise.reject(new PocketsphinxDecodeError("PocketsphinxSTT is closed", false));
    if (!this.#open.has(utterance.id) || utterance.settle !== null) return Promise.reject(new PocketsphinxDecodeError(`utterance ${utterance.id} was dropped or already ended`, false));
    if (signal?.aborted) {
      this.drop(utterance);
      return Promise.reject(abortError());
    }
    return new Promise<DecodeResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let replayed = false;
      const onAbort = () => settle({ error: abortError() });
      const settle = (outcome: { error: Error } | { result: DecodeResult }) => {
        if (!this.#open.has(utterance.id)) return;
        // A process that died before answering: decode the kept audio on a new one, once.
        if ("error" in outcome && outcome.error instanceof PocketsphinxDecodeError && outcome.error.retryable && !replayed && !this.#closed) {
          replayed = true;
          this.#replay(utterance);
          return;
        }
        this.#open.delete(utterance.id);
        utterance.finished = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if ("error" in outcome) {
          this.send(utterance, Kind.Drop);
          reject(outcome.error);
        } else resolve(outcome.result);
      };
      utterance.settle = settle;
      signal?.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(() => {
        replayed = true; // a stalled decoder gets no second try within this wait
        settle({ error: new PocketsphinxDecodeError(`pocketsphinx gave no result within ${timeoutMs} ms; restarting it`, true) });
        this.#stop("pocketsphinx stalled"); // it would delay every later utterance too
      }, timeoutMs);
      if (utterance.process !== this.#child || utterance.process === null) this.#replay(utterance);
      else this.send(utterance, Kind.End);
    });
  }

  drop(utterance: Utterance): void {
    utterance.finished = true;
    if (!this.#open.delete(utterance.id)) return;
    this.send(utterance, Kind.Drop);
    utterance.process = null;
  }

  #replay(utterance: Utterance): void {
    utterance.process = this.#ensureChild();
    this.send(utterance, Kind.Start);
    for (const chunk of utterance.chunks) this.send(utterance, Kind.Audio, chunk);
    this.send(utterance, Kind.End);
  }

  close(): void {
    this.#closed = true;
    this.#stop("PocketsphinxSTT was closed");
  }

  #ensureChild(): ChildProcess {
    if (this.#child !== null) return this.#child;
    // Own process group (detached) so that stopping it ends the interpreter whatever it spawned.
    const child = spawn(SYSTEM_PYTHON, this.#args, { stdio: ["pipe", "pipe", "ignore"], detached: true });
    this.#child = child;
    this.#stdout = "";
    let onReady: () => void = () => {};
    let onFailed: (error: Error) => void = () => {};
    this.#ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onFailed = reject;
    });
    this.#ready.catch(() => {}); // also reported to every waiting utterance
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => this.#onStdout(chunk, onReady));
    child.stdout?.once("end", () => {
      onFailed(new PocketsphinxDecodeError("pocketsphinx exited while loading its model", !this.#closed));
      this.#onGone(child, "pocketsphinx exited");
    });
    child.once("error", (err) => {
      onFailed(new PocketsphinxDecodeError(`could not start pocketsphinx: ${err.message}`, false));
      this.#onGone(child, `could not start pocketsphinx: ${err.message}`);
    });
    // EPIPE and the like after a crash; the end above reports it.
    child.stdin?.on("error", () => {});
    child.stdout?.on("error", () => {});
    // An idle decoder must not keep the process alive; waiting utterances hold their own timers.
    child.unref();
    for (const stream of [child.stdin, child.stdout]) if (stream instanceof Socket) stream.unref();
    return child;
  }

  #onStdout(chunk: string, onReady: () => void): void {
    this.#stdout += chunk;
    let newline: number;
    while ((newline = this.#stdout.indexOf("\n")) >= 0) {
      const raw = this.#stdout.slice(0, newline);
      this.#stdout = this.#stdout.slice(newline + 1);
      let parsed: z.infer<typeof Line>;
      try {
        parsed = Line.parse(JSON.parse(raw));
      } catch {
        continue; // not ours (a warning from a library, say)
      }
      if (parsed.type === "ready") onReady();
      else if (parsed.type === "missing") this.#stop(parsed.message, false);
      else if (parsed.type === "partial") this.#open.get(parsed.utt)?.partial(parsed.text);
      else if (parsed.type === "final") this.#open.get(parsed.utt)?.settle?.({ result: { text: parsed.text, pathScore: parsed.score, utteranceId: `u${parsed.utt}` } });
      else this.#open.get(parsed.utt)?.settle?.({ error: new PocketsphinxDecodeError(`pocketsphinx refused utterance ${parsed.utt}: ${parsed.message}`, false) });
    }
  }

  #onGone(child: ChildProcess, reason: string): void {
    if (this.#child === child) this.#stop(reason);
  }

  #stop(reason: string, retryable = !this.#closed): void {
    const child = this.#child;
    this.#child = null;
    if (child === null) return;
    child.stdin?.destroy();
    killProcessGroup(child.pid);
    // Utterances still speaking go on into the next process at their end (replay); those waiting
    // for a final retry there once.
    const error = new PocketsphinxDecodeError(reason, retryable);
    for (const utterance of [...this.#open.values()]) {
      if (utterance.process === child) utterance.process = null;
      utterance.settle?.({ error });
    }
  }
}
