// A local stand-in for an OpenAI-compatible API, implementing the documented subset the LiveKit
// OpenAI plugin calls: streamed (and plain) chat completions with tool calls, audio
// transcriptions (multipart) and speech (PCM16 / WAV). Tests script the answers in order and read
// back every request, so they can drive the real plugin code with no network. Listens on
// 127.0.0.1 with an ephemeral port.
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface RecordedRequest {
  method: string;
  /** Path without the query, e.g. "/v1/chat/completions". */
  path: string;
  query: Record<string, string>;
  /** Lower-case names, as Node gives them ("authorization"). */
  headers: Record<string, string>;
  /** Parsed JSON; for multipart forms, the fields (files as {@link RecordedFile}). */
  body: unknown;
}

export interface RecordedFile {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** An HTTP error the next call on that endpoint answers with, in OpenAI's error shape. */
export interface ScriptedError {
  error: { status: number; message: string; type?: string };
}

export interface ScriptedToolCall {
  name: string;
  /** A JSON string (sent as is, so tests can send malformed arguments) or an object to serialize. */
  arguments: string | Record<string, unknown>;
  id?: string;
}

export type ScriptedCompletion = (
  | { text: string; toolCalls?: never }
  | { toolCalls: ScriptedToolCall[]; text?: string }
) & {
  /** Characters per content delta (default 8). */
  chunkSize?: number;
  /** Pieces each tool call's arguments are split into across deltas (default 3). */
  argumentChunks?: number;
  /** Before the first chunk, to simulate time to first token. */
  delayMs?: number;
  /** Reported usage; estimated from the text when absent. */
  usage?: { promptTokens: number; completionTokens: number };
};

export interface ScriptedTranscription {
  text: string;
  language?: string;
}

export interface ScriptedSpeech {
  /** Milliseconds of tone per input character at speed 1 (default 40). */
  msPerCharacter?: number;
}

const pcmSampleRateHz = 24_000; // what OpenAI's `pcm` speech format is

/** Answers a chat completion from its request body (when nothing is queued); undefined: the default "ok". */
export type CompletionResponder = (body: Record<string, unknown>) => ScriptedCompletion | ScriptedError | undefined;

export class OpenAICompatibleServer {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #completions: (ScriptedCompletion | ScriptedError)[] = [];
  readonly #transcriptions: (ScriptedTranscription | ScriptedError)[] = [];
  readonly #speech: (ScriptedSpeech | ScriptedError)[] = [];
  #responder: CompletionResponder | undefined;
  #url = "";

  private constructor() {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => sendError(res, 500, err instanceof Error ? err.message : String(err)));
    });
  }

  static async start(): Promise<OpenAICompatibleServer> {
    const server = new OpenAICompatibleServer();
    await new Promise<void>((resolve) => server.#server.listen(0, "127.0.0.1", resolve));
    server.#url = `http://127.0.0.1:${(server.#server.address() as AddressInfo).port}`;
    return server;
  }

  /** The origin, e.g. http://127.0.0.1:54321 — the plugin's `baseURL` is `${url}/v1`. */
  get url(): string {
    return this.#url;
  }

  /** Answers for the next chat completions, in order. With none queued: the responder's, else the text "ok". */
  enqueueCompletion(...answers: (ScriptedCompletion | ScriptedError)[]): void {
    this.#completions.push(...answers);
  }

  /** Answers every chat completion nothing is queued for (a conversation's replies, a forced tool call), by its request. */
  respondWith(responder: CompletionResponder | undefined): void {
    this.#responder = responder;
  }

  /** Answers for the next transcriptions. With none queued: an empty transcript. */
  enqueueTranscription(...answers: (ScriptedTranscription | ScriptedError)[]): void {
    this.#transcriptions.push(...answers);
  }

  /** Answers for the next speech requests. With none queued: a tone of 40 ms per character. */
  enqueueSpeech(...answers: (ScriptedSpeech | ScriptedError)[]): void {
    this.#speech.push(...answers);
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections(); // clients keep connections alive
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.#url);
    const raw = await readBody(req);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
    const body = await parseBody(headers["content-type"] ?? "", raw);
    this.requests.push({ method: req.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body });
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /v1/models") return sendJson(res, 200, { object: "list", data: [{ id: "test-model", object: "model", created: 0, owned_by: "test" }] });
    if (route === "POST /v1/chat/completions") return this.#chatCompletion(res, asRecord(body));
    if (route === "POST /v1/audio/transcriptions") return this.#transcription(res);
    if (route === "POST /v1/audio/speech") return this.#speechAudio(res, asRecord(body));
    sendError(res, 404, `no route for ${route}`, "invalid_request_error");
  }

  async #chatCompletion(res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const answer = this.#completions.shift() ?? this.#responder?.(body) ?? { text: "ok" };
    if ("error" in answer) return sendError(res, answer.error.status, answer.error.message, answer.error.type);
    if (answer.delayMs) await sleep(answer.delayMs);
    const id = `chatcmpl-${this.requests.length}`;
    const model = typeof body["model"] === "string" ? body["model"] : "test-model";
    const text = answer.text ?? "";
    const calls = (answer.toolCalls ?? []).map((call, index) => ({
      index,
      id: call.id ?? `call_${this.requests.length}_${index}`,
      name: call.name,
      arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
    }));
    const finishReason = calls.length ? "tool_calls" : "stop";
    const promptWords = JSON.stringify(body["messages"] ?? []).split(/\s+/).length;
    const usage = answer.usage ?? { promptTokens: promptWords, completionTokens: Math.max(1, text.split(/\s+/).length + calls.length * 10) };
    const usageBody = { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens };
    const base = { id, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model };

    if (body["stream"] !== true) {
      const toolCalls = calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
      const message = { role: "assistant", content: text || null, refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) };
      return sendJson(res, 200, { ...base, object: "chat.completion", choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }], usage: usageBody });
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const send = (chunk: object) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    const delta = (d: object, finish: string | null = null) => send({ ...base, choices: [{ index: 0, delta: d, finish_reason: finish, logprobs: null }] });
    delta({ role: "assistant", content: "" });
    const size = answer.chunkSize ?? 8;
    for (let i = 0; i < text.length; i += size) delta({ content: text.slice(i, i + size) });
    for (const call of calls) {
      // As OpenAI streams them: the id and name first, then the arguments in pieces.
      delta({ tool_calls: [{ index: call.index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] });
      for (const piece of splitEvenly(call.arguments, answer.argumentChunks ?? 3)) delta({ tool_calls: [{ index: call.index, function: { arguments: piece } }] });
    }
    delta({}, finishReason);
    const options = asRecord(body["stream_options"]);
    if (options["include_usage"] === true) send({ ...base, choices: [], usage: usageBody });
    res.end("data: [DONE]\n\n");
  }

  #transcription(res: ServerResponse): void {
    const answer = this.#transcriptions.shift() ?? { text: "" };
    if ("error" in answer) return sendError(res, answer.error.status, answer.error.message, answer.error.type);
    sendJson(res, 200, { text: answer.text, ...(answer.language ? { language: answer.language } : {}) });
  }

  #speechAudio(res: ServerResponse, body: Record<string, unknown>): void {
    const answer = this.#speech.shift() ?? {};
    if ("error" in answer) return sendError(res, answer.error.status, answer.error.message, answer.error.type);
    const input = typeof body["input"] === "string" ? body["input"] : "";
    const speed = typeof body["speed"] === "number" && body["speed"] > 0 ? body["speed"] : 1;
    const format = body["response_format"] ?? "mp3";
    if (format !== "pcm" && format !== "wav") return sendError(res, 400, `the test server only produces pcm and wav, not ${String(format)}`, "invalid_request_error");
    const durationMs = Math.max(20, Math.round((input.length * (answer.msPerCharacter ?? 40)) / speed));
    const pcm = tone(durationMs, pcmSampleRateHz);
    if (format === "pcm") {
      res.writeHead(200, { "content-type": "audio/pcm", "content-length": pcm.length });
      res.end(pcm);
      return;
    }
    const wav = Buffer.concat([wavHeader(pcmSampleRateHz, pcm.length), pcm]);
    res.writeHead(200, { "content-type": "audio/wav", "content-length": wav.length });
    res.end(wav);
  }
}

/** The duration in ms of PCM16 mono bytes at the speech sample rate: handy for assertions. */
export function pcmDurationMs(byteLength: number, sampleRateHz = pcmSampleRateHz): number {
  return (byteLength / 2 / sampleRateHz) * 1000;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseBody(contentType: string, raw: Buffer): Promise<unknown> {
  if (raw.length === 0) return undefined;
  if (contentType.startsWith("application/json")) return JSON.parse(raw.toString("utf8")) as unknown;
  if (contentType.startsWith("multipart/form-data")) {
    // The platform's own multipart parser (undici), so the test checks the plugin against a standard one.
    const form = await new Response(new Uint8Array(raw), { headers: { "content-type": contentType } }).formData();
    const fields: Record<string, string | RecordedFile> = {};
    for (const [name, value] of form.entries()) {
      fields[name] = typeof value === "string" ? value : { filename: value.name, contentType: value.type, bytes: Buffer.from(await value.arrayBuffer()) };
    }
    return fields;
  }
  return raw.toString("utf8");
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, type = "server_error"): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status, { error: { message, type, param: null, code: null } });
}

function splitEvenly(text: string, pieces: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / Math.max(1, pieces)));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** A 440 Hz sine at a fifth of full scale, PCM16 little-endian mono. */
function tone(durationMs: number, sampleRateHz: number): Buffer {
  const samples = Math.round((durationMs * sampleRateHz) / 1000);
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) out.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / sampleRateHz) * 6553), i * 2);
  return out;
}

function wavHeader(sampleRateHz: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write("WAVE", 8, "ascii");
  h.write("fmt ", 12, "ascii");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(sampleRateHz, 24);
  h.writeUInt32LE(sampleRateHz * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36, "ascii");
  h.writeUInt32LE(dataBytes, 40);
  return h;
}
