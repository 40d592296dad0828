// Test doubles for the platform side: an HTTP server that records Twilio's webhooks and answers
// with TwiML, and a WebSocket server standing in for the runtime's Media Streams endpoint.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { tone } from "./audio.ts";
import { signTwilioRequest } from "./signing.ts";

export interface RecordedWebhook {
  path: string;
  method: string;
  params: Record<string, string>;
  pairs: [string, string][];
  signature: string | null;
  url: string;
}

export interface WebhookServer {
  url: string;
  received: RecordedWebhook[];
  /** Whether a request carries the signature Twilio would send with this auth token. */
  signedWith(hook: RecordedWebhook, authToken: string): boolean;
  close(): Promise<void>;
}

export async function startWebhookServer(answer: (hook: RecordedWebhook) => { status?: number; type?: string; body: string }): Promise<WebhookServer> {
  const received: RecordedWebhook[] = [];
  let base = "";
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = `${base}${req.url ?? "/"}`;
      const pairs = [...new URLSearchParams(Buffer.concat(chunks).toString("utf8"))];
      const hook: RecordedWebhook = { path: new URL(url).pathname, method: req.method ?? "", params: Object.fromEntries(pairs), pairs, signature: (req.headers["x-twilio-signature"] as string | undefined) ?? null, url };
      received.push(hook);
      const out = answer(hook);
      res.writeHead(out.status ?? 200, { "content-type": out.type ?? "text/xml" });
      res.end(out.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    received,
    signedWith: (hook, token) => hook.signature === signTwilioRequest(token, hook.url, hook.method === "POST" ? hook.pairs : []),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface StreamMessage {
  event: string;
  [k: string]: unknown;
}

export interface FakeRuntime {
  url: string;
  messages: StreamMessage[];
  socket(): WebSocket;
  /** The first message (already received or to come) of that event matching the predicate. */
  next(event: string, predicate?: (m: StreamMessage) => boolean, timeoutMs?: number): Promise<StreamMessage>;
  close(): Promise<void>;
}

export async function startFakeRuntime(): Promise<FakeRuntime> {
  const messages: StreamMessage[] = [];
  const waiters = new Set<() => void>();
  let current: WebSocket | null = null;
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/v1/twilio/media-stream" });
  wss.on("connection", (ws) => {
    current = ws;
    ws.on("message", (data) => {
      messages.push(JSON.parse(data.toString()) as StreamMessage);
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((r) => wss.on("listening", () => r()));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/v1/twilio/media-stream`,
    messages,
    socket() {
      if (!current) throw new Error("no stream connected");
      return current;
    },
    next(event, predicate = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = messages.find((x) => x.event === event && predicate(x));
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${event} message within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}

/** A stand-in for flite: a tone whose length grows with the text, so tests run without speech. */
export function fakeSpeak(text: string): Int16Array {
  return tone(440, Math.min(3000, 200 + text.length * 20), 0.3);
}

export const testAccount = {
  accountSid: "AC00000000000000000000000000000001",
  authToken: "test-auth-token-0001",
  apiKeys: [{ sid: "SK00000000000000000000000000000001", secret: "api-key-secret-0001" }],
};
