// Tests only: an in-memory LiveKit SIP service (Twirp JSON, `POST /twirp/livekit.SIP/<Method>`)
// answering `fetch` with the protobuf JSON shapes of livekit_sip.proto (camelCase, zero values left
// out) and Twirp errors `{ code, msg, meta }`. Stateful: trunks and dispatch rules persist between
// calls, so a reconcile can be run twice and its requests counted. It checks each request's token
// carries the SIP grant the method needs (not its signature), refuses a dispatch rule that
// conflicts with another (same trunk and number), dials numbers to a scripted SIP outcome, and
// fails on demand. Requests to any other origin go to `passthrough`.

type Obj = Record<string, unknown>;

export interface SeenSipRequest {
  method: string;
  body: Obj;
  grants: { sip?: { admin?: boolean; call?: boolean }; video?: Obj };
}

export interface FakeSipParticipant {
  participantId: string;
  participantIdentity: string;
  roomName: string;
  sipCallId: string;
  request: Obj;
  transfers: string[];
}

export interface TwirpFailure {
  status: number;
  code: string;
  msg: string;
  meta?: Record<string, string>;
}

const mutating = /^(Create|Update|Delete)/;

export class FakeLiveKit {
  readonly inboundTrunks = new Map<string, Obj>();
  readonly outboundTrunks = new Map<string, Obj>();
  readonly rules = new Map<string, Obj>();
  readonly participants: FakeSipParticipant[] = [];
  readonly requests: SeenSipRequest[] = [];
  /** The SIP final status a dialled number answers with (absent: 200, answered). */
  readonly dialOutcomes = new Map<string, { code: number; status: string }>();
  private failures = new Map<string, TwirpFailure>();
  private unreachable = false;
  private seq = 0;

  readonly origin: string;
  private readonly passthrough: typeof fetch;

  constructor(origin: string, passthrough: typeof fetch) {
    this.origin = origin;
    this.passthrough = passthrough;
  }

  /** The next call of `method` fails with this Twirp error ("*" for any method). */
  failNext(method: string, failure: TwirpFailure): void {
    this.failures.set(method, failure);
  }
  setUnreachable(down: boolean): void {
    this.unreachable = down;
  }
  /** Calls that changed something (create, update, delete). */
  mutations(): SeenSipRequest[] {
    return this.requests.filter((r) => mutating.test(r.method));
  }
  /** A SIP participant in a room, as an inbound call would put there. */
  addParticipant(roomName: string, participantIdentity: string): FakeSipParticipant {
    const p = { participantId: this.id("PA_"), participantIdentity, roomName, sipCallId: this.id("SCL_"), request: {}, transfers: [] };
    this.participants.push(p);
    return p;
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.origin !== this.origin) return this.passthrough(input, init);
    if (this.unreachable) throw new TypeError("fetch failed: connection refused");
    const match = /^\/twirp\/livekit\.SIP\/([A-Za-z]+)$/.exec(url.pathname);
    if (request.method !== "POST" || !match?.[1]) return twirpError({ status: 404, code: "bad_route", msg: `no handler for ${request.method} ${url.pathname}` });
    const method = match[1];
    let body: Obj;
    try {
      body = (await request.json()) as Obj;
    } catch {
      return twirpError({ status: 400, code: "malformed", msg: "body is not JSON" });
    }
    const grants = grantsOf(request.headers.get("authorization"));
    this.requests.push({ method, body, grants });
    const needed = method === "CreateSIPParticipant" || method === "TransferSIPParticipant" ? "call" : "admin";
    if (!grants.sip?.[needed]) return twirpError({ status: 401, code: "unauthenticated", msg: `permissions denied: needs SIP ${needed}` });
    const failure = this.failures.get(method) ?? this.failures.get("*");
    if (failure) {
      this.failures.delete(this.failures.has(method) ? method : "*");
      return twirpError(failure);
    }
    try {
      return Response.json(this.handle(method, body));
    } catch (err) {
      if (err instanceof FakeTwirpError) return twirpError(err.failure);
      throw err;
    }
  };

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}${this.seq.toString(36).padStart(6, "0")}`;
  }

  private handle(method: string, body: Obj): Obj {
    switch (method) {
      case "ListSIPInboundTrunk":
        return { items: [...this.inboundTrunks.values()] };
      case "ListSIPOutboundTrunk":
        return { items: [...this.outboundTrunks.values()] };
      case "ListSIPDispatchRule":
        return { items: [...this.rules.values()] };
      case "CreateSIPInboundTrunk":
        return this.put(this.inboundTrunks, { ...obj(body["trunk"]), sipTrunkId: this.id("ST_") });
      case "CreateSIPOutboundTrunk":
        return this.put(this.outboundTrunks, { ...obj(body["trunk"]), sipTrunkId: this.id("ST_") });
      case "UpdateSIPInboundTrunk":
        return this.replace(this.inboundTrunks, String(body["sipTrunkId"]), "sipTrunkId", body);
      case "UpdateSIPOutboundTrunk":
        return this.replace(this.outboundTrunks, String(body["sipTrunkId"]), "sipTrunkId", body);
      case "DeleteSIPTrunk": {
        const id = String(body["sipTrunkId"]);
        const trunk = this.inboundTrunks.get(id) ?? this.outboundTrunks.get(id);
        if (!trunk) throw notFound(`trunk ${id}`);
        this.inboundTrunks.delete(id);
        this.outboundTrunks.delete(id);
        return trunk;
      }
      case "CreateSIPDispatchRule": {
        // The current form carries a SIPDispatchRuleInfo; the older one its fields at the top level.
        const { dispatchRule, ...topLevel } = body;
        const rule = { ...(dispatchRule === undefined ? topLevel : obj(dispatchRule)), sipDispatchRuleId: this.id("SDR_") };
        this.checkRule(rule);
        return this.put(this.rules, rule);
      }
      case "UpdateSIPDispatchRule": {
        const id = String(body["sipDispatchRuleId"]);
        if (!this.rules.has(id)) throw notFound(`dispatch rule ${id}`);
        this.checkRule({ ...obj(body["replace"]), sipDispatchRuleId: id });
        return this.replace(this.rules, id, "sipDispatchRuleId", body);
      }
      case "DeleteSIPDispatchRule": {
        const id = String(body["sipDispatchRuleId"]);
        const rule = this.rules.get(id);
        if (!rule) throw notFound(`dispatch rule ${id}`);
        this.rules.delete(id);
        return rule;
      }
      case "CreateSIPParticipant":
        return this.dial(body);
      case "TransferSIPParticipant": {
        const p = this.participants.find((x) => x.roomName === body["roomName"] && x.participantIdentity === body["participantIdentity"]);
        if (!p) throw notFound(`participant ${String(body["participantIdentity"])} in room ${String(body["roomName"])}`);
        p.transfers.push(String(body["transferTo"]));
        return {};
      }
      default:
        throw new FakeTwirpError({ status: 404, code: "bad_route", msg: `unknown method ${method}` });
    }
  }

  private put(map: Map<string, Obj>, value: Obj): Obj {
    const id = String(value["sipTrunkId"] ?? value["sipDispatchRuleId"]);
    map.set(id, value);
    return value;
  }

  private replace(map: Map<string, Obj>, id: string, idKey: string, body: Obj): Obj {
    if (!map.has(id)) throw notFound(`${idKey} ${id}`);
    if (body["replace"] === undefined) throw new FakeTwirpError({ status: 400, code: "invalid_argument", msg: "only replace is supported by the fake" });
    return this.put(map, { ...obj(body["replace"]), [idKey]: id });
  }

  // LiveKit refuses a rule that would match the same calls as another one.
  private checkRule(rule: Obj): void {
    const trunks = strings(rule["trunkIds"]);
    const numbers = strings(rule["numbers"]);
    for (const other of this.rules.values()) {
      if (other["sipDispatchRuleId"] === rule["sipDispatchRuleId"]) continue;
      const sameTrunk = trunks.some((t) => strings(other["trunkIds"]).includes(t));
      const sameNumber = numbers.some((n) => strings(other["numbers"]).includes(n));
      if (sameTrunk && sameNumber) throw new FakeTwirpError({ status: 400, code: "invalid_argument", msg: `conflicting SIP Dispatch Rules: ${String(other["sipDispatchRuleId"])}` });
    }
  }

  private dial(body: Obj): Obj {
    const trunkId = String(body["sipTrunkId"]);
    if (!this.outboundTrunks.has(trunkId)) throw notFound(`outbound trunk ${trunkId}`);
    const to = String(body["sipCallTo"]);
    const outcome = this.dialOutcomes.get(to);
    if (outcome && body["waitUntilAnswered"] === true) {
      throw new FakeTwirpError({ status: 503, code: "unavailable", msg: "sip call failed", meta: { sip_status_code: String(outcome.code), sip_status: outcome.status } });
    }
    const p = this.addParticipant(String(body["roomName"]), String(body["participantIdentity"] ?? "sip-participant"));
    p.request = body;
    return { participantId: p.participantId, participantIdentity: p.participantIdentity, roomName: p.roomName, sipCallId: p.sipCallId };
  }
}

class FakeTwirpError extends Error {
  readonly failure: TwirpFailure;
  constructor(failure: TwirpFailure) {
    super(failure.msg);
    this.failure = failure;
  }
}

const notFound = (what: string) => new FakeTwirpError({ status: 404, code: "not_found", msg: `${what} not found` });
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function twirpError(f: TwirpFailure): Response {
  return Response.json({ code: f.code, msg: f.msg, ...(f.meta ? { meta: f.meta } : {}) }, { status: f.status });
}

function grantsOf(authorization: string | null): SeenSipRequest["grants"] {
  const payload = authorization?.replace(/^Bearer /, "").split(".")[1];
  if (!payload) return {};
  try {
    return JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as SeenSipRequest["grants"];
  } catch {
    return {};
  }
}
