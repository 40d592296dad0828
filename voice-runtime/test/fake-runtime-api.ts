// A stand-in for the Worker's runtime API (/runtime/v1) on 127.0.0.1, for in-process tests of the
// session runner: it checks service tokens and bodies with the same contracts, serves configured
// sessions, and records what the runtime reported. The process-level test uses the real Worker.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  RuntimeCapabilitiesBody,
  RuntimeEventBody,
  RuntimePhoneTransferBody,
  RuntimeSipInboundBody,
  RuntimeSipParticipantBody,
  type RuntimeConfig,
  type RuntimeEvent,
  type RuntimeSipInboundResult,
  type SessionStatus,
} from "@speaknode/contracts";
import { verifyRuntimeServiceToken } from "@speaknode/tokens";
import { FakeRecordingStore, readBody as body, type FakeRecording } from "./fake-recordings.ts";

export const testTokenSecret = "test-runtime-token-secret-of-32-chars!";

export interface FakeRuntimeApi {
  url: string;
  /** Configurations by session id, and transfer targets' by agent id. */
  sessions: Map<string, RuntimeConfig>;
  agents: Map<string, RuntimeConfig>;
  /** Accepted events in arrival order, each with when it arrived. */
  events: { sessionId: string; eventId: string; event: RuntimeEvent; atMs: number }[];
  /** Completed recording uploads (the latest per session and track). */
  recordings: FakeRecording[];
  /** The recording uploads' store: its limits, largest request seen, injected part failures. */
  recordingStore: FakeRecordingStore;
  /** Status per session id for GET /sessions/{id} ("active" when not set). */
  statuses: Map<string, SessionStatus>;
  waveforms: { sessionId: string; body: unknown }[];
  /** Status to answer event posts with, to test refusals (e.g. 409 after the session ended). */
  refuseEvents: number | undefined;
  /** Phone transfers the Worker made (POST /sessions/{id}/phone/transfer), in arrival order. */
  transfers: { sessionId: string; destination: string }[];
  /** Status to refuse transfers with, as the Worker does when the call is no longer live (409). */
  refuseTransfers: number | undefined;
  /** Capability reports (PUT /capabilities), in arrival order. */
  capabilities: RuntimeCapabilitiesBody[];
  /** SIP calls with no session yet (POST /sip/sessions), and how the Worker answers them (default: reject). */
  sipInboundRequests: RuntimeSipInboundBody[];
  answerSipInbound: (body: RuntimeSipInboundBody) => RuntimeSipInboundResult;
  /** SIP participants reported (POST /sessions/{id}/sip), in arrival order. */
  sipParticipants: { sessionId: string; body: RuntimeSipParticipantBody }[];
  eventsOf(sessionId: string): RuntimeEvent[];
  /** Resolves when an event of `type` arrives for the session. */
  waitFor(sessionId: string, type: RuntimeEvent["type"], timeoutMs?: number): Promise<RuntimeEvent>;
  close(): Promise<void>;
}

export async function startFakeRuntimeApi(): Promise<FakeRuntimeApi> {
  const waiters: { sessionId: string; type: string; resolve: (e: RuntimeEvent) => void }[] = [];
  const storeDir = mkdtempSync(join(tmpdir(), "fake-runtime-api-"));
  const recordingStore = new FakeRecordingStore(storeDir);
  const api: Omit<FakeRuntimeApi, "url" | "close"> = {
    sessions: new Map(),
    agents: new Map(),
    events: [],
    recordings: recordingStore.recordings,
    recordingStore,
    statuses: new Map(),
    waveforms: [],
    refuseEvents: undefined,
    transfers: [],
    refuseTransfers: undefined,
    capabilities: [],
    sipInboundRequests: [],
    answerSipInbound: () => ({ action: "reject", reason: "not in service", busy: false }),
    sipParticipants: [],
    eventsOf: (sessionId) => api.events.filter((e) => e.sessionId === sessionId).map((e) => e.event),
    waitFor: (sessionId, type, timeoutMs = 20_000) => {
      const seen = api.events.find((e) => e.sessionId === sessionId && e.event.type === type);
      if (seen) return Promise.resolve(seen.event);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} event for ${sessionId} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ sessionId, type, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
  const problem = (status: number, code: string) => ({ status, json: { type: "about:blank", title: code, status, code, detail: code } });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const send = (status: number, json: unknown) => {
        if (status === 204) return void res.writeHead(204).end();
        res.writeHead(status, { "content-type": status >= 400 ? "application/problem+json" : "application/json" });
        res.end(JSON.stringify(json));
      };
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      try {
        await verifyRuntimeServiceToken(testTokenSecret, token);
      } catch {
        const p = problem(401, "unauthorized");
        return send(p.status, p.json);
      }
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/runtime/v1/capabilities" && req.method === "PUT") {
        const parsed = RuntimeCapabilitiesBody.safeParse(JSON.parse((await body(req)).toString("utf8")));
        if (!parsed.success) {
          const p = problem(400, "validation_failed");
          return send(p.status, p.json);
        }
        api.capabilities.push(parsed.data);
        return send(204, null);
      }
      if (url.pathname === "/runtime/v1/sip/sessions" && req.method === "POST") {
        const parsed = RuntimeSipInboundBody.safeParse(JSON.parse((await body(req)).toString("utf8")));
        if (!parsed.success) {
          const p = problem(400, "validation_failed");
          return send(p.status, p.json);
        }
        api.sipInboundRequests.push(parsed.data);
        return send(200, api.answerSipInbound(parsed.data));
      }
      const m = url.pathname.match(/^\/runtime\/v1\/sessions\/(ses_[0-9a-z]+)(?:\/(.+))?$/);
      const sessionId = m?.[1] ?? "";
      const rest = m?.[2] ?? "";
      const config = api.sessions.get(sessionId);
      if (!m || !config) {
        const p = problem(404, "not_found");
        return send(p.status, p.json);
      }
      if (req.method === "GET" && rest === "config") return send(200, config);
      if (req.method === "GET" && rest === "") {
        const status = api.statuses.get(sessionId) ?? "active";
        return send(200, { sessionId, status, ended: status === "completed" || status === "failed" });
      }
      if (await recordingStore.handle(req, sessionId, rest, send)) return;
      const transfer = rest.match(/^transfer-targets\/(agt_[0-9a-z]+)\/config$/);
      if (req.method === "GET" && transfer) {
        const target = api.agents.get(transfer[1] ?? "");
        if (!target) {
          const p = problem(409, "conflict");
          return send(p.status, p.json);
        }
        return send(200, { ...target, sessionId, variables: config.variables });
      }
      if (req.method === "POST" && rest === "events") {
        const parsed = RuntimeEventBody.safeParse(JSON.parse((await body(req)).toString("utf8")));
        if (!parsed.success) {
          const p = problem(422, "validation_failed");
          return send(p.status, { ...p.json, errors: parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })) });
        }
        if (api.refuseEvents && parsed.data.event.type !== "transcript.partial") {
          const p = problem(api.refuseEvents, "invalid_state");
          return send(p.status, p.json);
        }
        const duplicate = api.events.some((e) => e.sessionId === sessionId && e.eventId === parsed.data.eventId);
        if (!duplicate) {
          api.events.push({ sessionId, eventId: parsed.data.eventId, event: parsed.data.event, atMs: Date.now() });
          for (const w of waiters.filter((w) => w.sessionId === sessionId && w.type === parsed.data.event.type)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(parsed.data.event);
          }
        }
        return send(200, { eventId: parsed.data.eventId, duplicate, live: !duplicate });
      }
      if (req.method === "POST" && rest === "phone/transfer") {
        // As the Worker: only a phone session, only a destination its agent's tool names.
        const parsed = RuntimePhoneTransferBody.safeParse(JSON.parse((await body(req)).toString("utf8")));
        if (!parsed.success) {
          const p = problem(400, "validation_failed");
          return send(p.status, p.json);
        }
        const known = config.tools.some((t) => t.type === "system" && t.name === "transfer_to_number" && t.destinations.some((d) => d.name === parsed.data.destination));
        const refused = !config.phone ? problem(409, "invalid_state") : !known ? problem(404, "not_found") : api.refuseTransfers ? problem(api.refuseTransfers, "invalid_state") : undefined;
        if (refused) return send(refused.status, refused.json);
        api.transfers.push({ sessionId, destination: parsed.data.destination });
        return send(200, { transferred: true });
      }
      if (req.method === "POST" && rest === "sip") {
        const parsed = RuntimeSipParticipantBody.safeParse(JSON.parse((await body(req)).toString("utf8")));
        if (!parsed.success) {
          const p = problem(400, "validation_failed");
          return send(p.status, p.json);
        }
        api.sipParticipants.push({ sessionId, body: parsed.data });
        return send(204, null);
      }
      if (req.method === "PUT" && rest === "waveform") {
        api.waveforms.push({ sessionId, body: JSON.parse((await body(req)).toString("utf8")) as unknown });
        return send(200, { ok: true });
      }
      const p = problem(404, "not_found");
      return send(p.status, p.json);
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...api,
    get refuseEvents() {
      return api.refuseEvents;
    },
    set refuseEvents(v) {
      api.refuseEvents = v;
    },
    get answerSipInbound() {
      return api.answerSipInbound;
    },
    set answerSipInbound(v) {
      api.answerSipInbound = v;
    },
    get refuseTransfers() {
      return api.refuseTransfers;
    },
    set refuseTransfers(v) {
      api.refuseTransfers = v;
    },
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => server.close(() => resolve())).finally(() => rmSync(storeDir, { recursive: true, force: true })),
  };
}
