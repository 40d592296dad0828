// Test doubles shared by the dashboard's unit tests: an in-memory storage, a scripted fetch that
// records requests, a fake OIDC issuer and a live-events socket, so stores and the API client run in Node without a DOM.
import { newId } from "../../packages/contracts/src/ids.ts";
import type { KeyValueStorage } from "./auth/auth-store.ts";
import type { Fetch } from "./auth/oidc.ts";
import type { DashboardConfig } from "./config.ts";
import type { SocketLike } from "./stores/sessions-live.ts";

export function memoryStorage(initial: Record<string, string> = {}): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

export interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

type Handler = (req: Recorded) => Response | Promise<Response>;

/** A fetch answering from `handler`, keeping every request in `requests`. */
export function fakeFetch(handler: Handler): Fetch & { requests: Recorded[] } {
  const requests: Recorded[] = [];
  const fn = async (input: string, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const req = { method: init?.method ?? "GET", url: input, headers, body: typeof init?.body === "string" ? init.body : null };
    requests.push(req);
    return handler(req);
  };
  return Object.assign(fn, { requests });
}

export const json = (body: unknown, status = 200, contentType = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": contentType } });

export const problem = (code: string, status: number, detail: string, errors?: { field: string; message: string }[]) =>
  json({ type: `https://speaknode.dev/problems/${code}`, title: code, status, detail, code, requestId: "req_test", ...(errors ? { errors } : {}) }, status, "application/problem+json");

export const noContent = () => new Response(null, { status: 204 });

export const testConfig: DashboardConfig = {
  issuer: "http://127.0.0.1:8787/dev/oidc",
  clientId: "speaknode-dashboard",
  apiBase: "",
  origin: "http://127.0.0.1:8787",
  basePath: "/app/",
};

export const ids = {
  space: () => newId("space"),
  user: () => newId("user"),
  invitation: () => newId("invitation"),
  apiKey: () => newId("apiKey"),
  agent: () => newId("agent"),
};

/** A live-events socket the test drives: open it, hand it frames, drop it. */
export class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  closed: number | null = null;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closed = code ?? 1000;
    this.drop();
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  receive(frame: unknown) {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(frame) }));
  }
  drop() {
    this.readyState = 3;
    this.onclose?.(new Event("close") as CloseEvent); // Node has no CloseEvent; connectLive reads nothing of it
  }
}
