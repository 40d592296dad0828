// CampaignRunner: one Durable Object per campaign (idFromName(campaignId)). It owns the dialing loop
// on alarms (tick.ts), applies outcomes as sessions end (reconcile.ts) and pushes live progress to
// hibernating WebSocket subscribers. What must survive an eviction is in its SQLite (storage.ts)
// and in Postgres (items, attempts, the campaign's status); memory holds only caches and the lock
// that runs one tick at a time.
import { z } from "zod";
import { CampaignSessionEnded, campaignProtocolVersion, idSchema, urlText, type CampaignProgress, type CampaignServerMessage } from "@speaknode/contracts";
import { createDatabase, databaseOptionsFromEnv, type Database } from "@speaknode/db";
import { readConfig } from "../../workers/src/config.ts";
import { LiveObject, sendJson } from "../shared/live-object.ts";
import { campaignStatusOf, itemTotals } from "./campaign-db.ts";
import { devToolsEnabled, dialerFor, runnerTestSeams, type CrashPoint } from "./dialer.ts";
import { buildProgress, type Totals } from "./progress.ts";
import { RunnerStore, runnerSchema } from "./storage.ts";
import { reconcileOnly, runTick, type TickDeps } from "./tick.ts";
import type { WorkerEnv } from "../../workers/src/env.ts";

export type CampaignRunnerEnv = WorkerEnv;

export interface CampaignWake {
  campaignId: string;
  /** The public origin provider callbacks go to (PUBLIC_URL wins when configured). */
  origin: string;
}

const CampaignWakeInput = z.strictObject({ campaignId: idSchema("campaign"), origin: urlText() });
const CampaignClientMessage = z.discriminatedUnion("type", [z.object({ type: z.literal("ping") })]);

/** Per-subscriber state kept on the socket (survives hibernation). */
interface Attachment {
  connectedAt: number;
}

/** Progress frames at most this often (≤ 4/s). */
const progressEveryMs = 250;
/** After a failed tick (Postgres unreachable…), the next try. */
const failedTickRetryMs = 15_000;

export class CampaignRunner extends LiveObject<CampaignRunnerEnv, Attachment> {
  readonly #store: RunnerStore;
  /** One tick (or reconcile) at a time: claims and the concurrency count never interleave. */
  #lock: Promise<unknown> = Promise.resolve();
  #busy = false;
  /** Asked to look again while a tick ran: that tick's re-arming must not push the alarm later. */
  #again = false;
  #totals: Totals | null = null;
  #lastFrameAt = 0;
  #frameTimer: ReturnType<typeof setTimeout> | null = null;
  #frameAgain = false;

  constructor(ctx: DurableObjectState, env: CampaignRunnerEnv) {
    super(ctx, env, runnerSchema);
    this.#store = new RunnerStore(ctx.storage);
  }

  /** Launch, resume, cancel, an edit or new contacts: look at the campaign again now. */
  async wake(input: CampaignWake): Promise<{ ok: true }> {
    const cmd = CampaignWakeInput.parse(input);
    this.#claimIdentity(cmd.campaignId, cmd.origin);
    this.#totals = null;
    await this.#lookAgainNow();
    return { ok: true };
  }

  /** A session of this campaign ended: its outcome is applied now (a repeat changes nothing), and
   *  the freed slot is filled by the next alarm. While a tick runs (it may be the one whose dial
   *  failed this very session), the notice only asks for another tick: waiting for the running
   *  one would deadlock it. */
  async sessionEnded(input: CampaignSessionEnded): Promise<{ ok: true }> {
    const cmd = CampaignSessionEnded.parse(input);
    this.#claimIdentity(cmd.campaignId, null);
    if (this.#busy) {
      await this.#lookAgainNow();
      return { ok: true };
    }
    await this.#exclusive(async () => {
      const changed = await this.#withDeps((deps) => reconcileOnly(deps));
      if (changed) this.#changed();
    });
    await this.#lookAgainNow();
    return { ok: true };
  }

  async progress(): Promise<CampaignProgress | null> {
    const meta = this.#store.meta();
    if (!meta) return null;
    return this.#progress(meta.campaignId);
  }

  override async alarm(): Promise<void> {
    await this.#exclusive(() => this.#tick());
  }

  /** Dev tools only: a real eviction (memory lost, SQLite and the alarm kept) right after this
   *  call returns, so the caller gets an answer rather than the reset. */
  async evictForTest(): Promise<{ ok: true }> {
    this.#requireDevTools();
    setTimeout(() => this.ctx.abort("evicted for a test"), 0);
    return { ok: true };
  }

  /** Dev tools only: the alarm's body now, as a duplicate alarm would run it. */
  async runAlarmForTest(): Promise<{ ok: true; nextAlarmAt: number | null }> {
    this.#requireDevTools();
    await this.#exclusive(() => this.#tick());
    return { ok: true, nextAlarmAt: await this.ctx.storage.getAlarm() };
  }

  /** The live-progress socket; the Worker has authenticated the viewer. Path: /live/campaigns/{id}. */
  override async fetch(request: Request): Promise<Response> {
    const notUpgrade = this.refuseNonUpgrade(request);
    if (notUpgrade) return notUpgrade;
    const fromPath = new URL(request.url).pathname.split("/").at(-1) ?? "";
    const campaignId = this.#store.meta()?.campaignId ?? (idSchema("campaign").safeParse(fromPath).success ? fromPath : null);
    if (!campaignId) return new Response("campaign runner not started", { status: 404 });
    this.#claimIdentity(campaignId, null);
    const progress = await this.#progress(campaignId);
    const { socket, response } = this.acceptSubscriber({ connectedAt: Date.now() });
    send(socket, { type: "welcome", protocolVersion: campaignProtocolVersion, progress });
    return response;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    let parsed: z.infer<typeof CampaignClientMessage> | null = null;
    if (typeof message === "string") {
      try {
        const result = CampaignClientMessage.safeParse(JSON.parse(message));
        parsed = result.success ? result.data : null;
      } catch {
        parsed = null;
      }
    }
    if (!parsed) {
      send(ws, { type: "error", code: "bad_message", message: 'expected a JSON text frame such as {"type":"ping"}' });
      return;
    }
    send(ws, { type: "pong" });
  }

  #requireDevTools(): void {
    if (!devToolsEnabled(this.env)) throw new Error("test hooks need DEV_TOOLS_ENABLED=true");
  }

  #claimIdentity(campaignId: string, origin: string | null): void {
    const meta = this.#store.meta();
    if (meta && meta.campaignId !== campaignId) throw new Error(`this runner belongs to campaign ${meta.campaignId}`);
    this.#store.remember(campaignId, origin);
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const guarded = async () => {
      this.#busy = true;
      try {
        return await fn();
      } finally {
        this.#busy = false;
      }
    };
    const run = this.#lock.then(guarded, guarded);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /** An alarm now; a tick running meanwhile re-arms it for now too when it ends (#tick). */
  async #lookAgainNow(): Promise<void> {
    if (this.#busy) this.#again = true;
    await this.ctx.storage.setAlarm(Date.now());
  }

  async #withDeps<T>(fn: (deps: TickDeps) => Promise<T>): Promise<T> {
    const handle = createDatabase(databaseOptionsFromEnv(this.env, 2));
    try {
      const devTools = devToolsEnabled(this.env);
      return await fn({
        db: handle.db,
        config: readConfig(this.env),
        env: this.env,
        store: this.#store,
        dialer: dialerFor(this.env),
        checkpoint: (point: CrashPoint) => {
          if (devTools && runnerTestSeams.crashAt === point) {
            runnerTestSeams.crashAt = null;
            this.ctx.abort(`stopped at ${point} for a test`);
          }
        },
      });
    } finally {
      this.ctx.waitUntil(handle.close());
    }
  }

  async #tick(): Promise<void> {
    if (!this.#store.meta()) return;
    this.#again = false;
    try {
      const result = await this.#withDeps((deps) => runTick(deps));
      await this.armAlarm(this.#again ? Date.now() : result.nextAlarmAt);
      if (result.changed) this.#changed();
      else if (this.#totals && result.status && this.#totals.status !== result.status) this.#changed();
    } catch (err) {
      console.error(JSON.stringify({ level: "error", message: "campaign runner tick failed; retried", campaignId: this.#store.meta()?.campaignId, errorName: err instanceof Error ? err.name : typeof err }));
      await this.armAlarm(this.#again ? Date.now() : Date.now() + failedTickRetryMs);
    }
  }

  /** Totals are stale; subscribers get a fresh frame (at most every 250 ms, counted from the
   *  previous frame's sending; a change while one is on its way sends another after it). */
  #changed(): void {
    this.#totals = null;
    if (this.#frameTimer) {
      this.#frameAgain = true;
      return;
    }
    if (this.subscriberCount() === 0) return;
    const waitMs = Math.max(0, this.#lastFrameAt + progressEveryMs - Date.now());
    this.#frameTimer = setTimeout(() => void this.#sendFrame(), waitMs);
  }

  async #sendFrame(): Promise<void> {
    const campaignId = this.#store.meta()?.campaignId;
    try {
      if (campaignId) this.broadcast({ type: "progress", progress: await this.#progress(campaignId) } satisfies CampaignServerMessage);
    } catch (err) {
      console.warn(JSON.stringify({ level: "warn", message: "campaign progress frame not sent", campaignId, errorName: err instanceof Error ? err.name : typeof err }));
    } finally {
      this.#lastFrameAt = Date.now();
      this.#frameTimer = null;
      if (this.#frameAgain) {
        this.#frameAgain = false;
        this.#changed();
      }
    }
  }

  async #progress(campaignId: string): Promise<CampaignProgress> {
    if (!this.#totals) {
      const handle = createDatabase(databaseOptionsFromEnv(this.env, 1));
      try {
        this.#totals = await loadTotals(handle.db, campaignId);
      } finally {
        this.ctx.waitUntil(handle.close());
      }
    }
    return buildProgress(campaignId, this.#totals, this.#store, Date.now());
  }
}

async function loadTotals(db: Database, campaignId: string): Promise<Totals> {
  const [status, byStatus] = await Promise.all([campaignStatusOf(db, campaignId), itemTotals(db, campaignId)]);
  return { status: status ?? "cancelled", byStatus };
}

function send(ws: WebSocket, message: CampaignServerMessage): void {
  sendJson(ws, message);
}

