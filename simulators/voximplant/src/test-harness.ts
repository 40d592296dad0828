// Test doubles: a service-account key pair and JWT signer (node:crypto), a test account, an
// "edge" HTTP server the scenarios call, and a WebSocket server standing in for the media bridge.
import { createSign, generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import type { AccountConfigInput } from "./model.ts";

export const keyPair = generateKeyPairSync("rsa", { modulusLength: 2048 });
export const otherKeyPair = generateKeyPairSync("rsa", { modulusLength: 2048 });
export const publicKeyPem = keyPair.publicKey.export({ type: "spki", format: "pem" }).toString();

export const testAccount = {
  accountId: 9000001,
  keys: [{ keyId: "key-0001", publicKeyPem }],
  applications: [{ applicationId: 7000001, name: "speaknode", rules: [{ ruleId: 8000001, name: "speaknode-outbound" }] }],
  numbers: [
    { phoneId: 6000001, phoneNumber: "15555550200", applicationId: 7000001 },
    { phoneId: 6000002, phoneNumber: "15555550201", applicationId: null },
  ],
} satisfies AccountConfigInput;

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");

export function signJwt(opts: { kid?: string; iss?: number | string; iat?: number; exp?: number; alg?: string; key?: typeof keyPair.privateKey } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg: opts.alg ?? "RS256", typ: "JWT", kid: opts.kid ?? "key-0001" });
  const body = b64({ iss: opts.iss ?? 9000001, iat: opts.iat ?? now, exp: opts.exp ?? now + 3600 });
  const signer = createSign("RSA-SHA256");
  signer.update(`${head}.${body}`);
  return `${head}.${body}.${signer.sign(opts.key ?? keyPair.privateKey).toString("base64url")}`;
}

export async function api(url: string, method: string, params: Record<string, string>, token: string | null = signJwt()): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/platform_api/${method}/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: new URLSearchParams(params),
  });
  return (await res.json()) as Record<string, unknown>;
}

export interface EdgeRequest {
  path: string;
  authorization: string | null;
  body: unknown;
}

export interface FakeEdge {
  url: string;
  wsUrl: string;
  requests: EdgeRequest[];
  /** Messages the bridge received, parsed, with their arrival time (performance.now()). */
  frames: { at: number; msg: Record<string, unknown> }[];
  socket(): WebSocket;
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** An HTTP server answering with `answer(path, body)` (JSON), and a WebSocket server at /media. */
export async function startFakeEdge(answer: (path: string, body: unknown) => { status?: number; body: unknown }): Promise<FakeEdge> {
  const requests: EdgeRequest[] = [];
  const frames: { at: number; msg: Record<string, unknown> }[] = [];
  let current: WebSocket | null = null;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      const path = req.url ?? "/";
      requests.push({ path, authorization: req.headers.authorization ?? null, body });
      const out = answer(path, body);
      res.writeHead(out.status ?? 200, { "content-type": "application/json" });
      res.end(JSON.stringify(out.body));
    });
  });
  const wss = new WebSocketServer({ server, path: "/media" });
  wss.on("connection", (ws) => {
    current = ws;
    ws.on("message", (data) => frames.push({ at: performance.now(), msg: JSON.parse(data.toString()) as Record<string, unknown> }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/media`,
    requests,
    frames,
    socket() {
      if (!current) throw new Error("no WebSocket connected");
      return current;
    },
    waitFor(check, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = (): void => {
          const v = check();
          if (v) return resolve(v);
          if (Date.now() - started > timeoutMs) return reject(new Error("condition not met in time"));
          setTimeout(poll, 20);
        };
        poll();
      });
    },
    close: () =>
      new Promise((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
