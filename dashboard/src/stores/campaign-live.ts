// A campaign's live progress: the CampaignRunner's WebSocket (protocol v1: welcome{progress}, then
// progress frames on every change) folded into a signal by a pure `applyProgress` (a frame older
// than the one shown changes nothing, another campaign's is ignored). `connectCampaignLive` owns
// the socket; the URL's token lasts ten minutes, so every reconnect first asks for a fresh URL
// (the campaign's detail) and then opens it, with backoff, until the campaign is over.
import { batch, signal } from "@preact/signals";
import { jsonText } from "../../../packages/contracts/src/json-text.ts";
import { CampaignServerMessage, campaignProtocolVersion, type CampaignProgress, type CampaignStatus } from "../../../packages/contracts/src/campaigns.ts";
import type { OpenSocket, SocketLike } from "./sessions-live.ts";

export function createCampaignLiveState() {
  return {
    campaignId: signal<string | null>(null),
    progress: signal<CampaignProgress | null>(null),
    connected: signal(false),
    /** Why the live view stopped (after the reconnects ran out), null while live or retrying. */
    lost: signal<string | null>(null),
  };
}

export type CampaignLiveState = ReturnType<typeof createCampaignLiveState>;

export const isFinished = (status: CampaignStatus | null | undefined) => status === "completed" || status === "cancelled";

/** Shows `progress` unless it is another campaign's or older than what is shown. */
export function applyProgress(state: CampaignLiveState, progress: CampaignProgress): boolean {
  return batch(() => {
    if (state.campaignId.value !== null && state.campaignId.value !== progress.campaignId) return false;
    const shown = state.progress.value;
    if (shown && Date.parse(progress.updatedAt) < Date.parse(shown.updatedAt)) return false;
    // A finished campaign stays finished even if a late frame from before says otherwise.
    if (shown && isFinished(shown.status) && !isFinished(progress.status)) return false;
    state.campaignId.value = progress.campaignId;
    state.progress.value = progress;
    return true;
  });
}

const serverFrame = jsonText.pipe(CampaignServerMessage);

/** A server frame, or null when it is not one this protocol version knows. */
export function parseCampaignFrame(raw: unknown) {
  if (typeof raw !== "string") return null;
  const parsed = serverFrame.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** "3 min", "1 h 20 min", "2 d 4 h"; "—" when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 60) return "< 1 min";
  const min = Math.round(seconds / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export interface LiveDeps {
  state: CampaignLiveState;
  openSocket: OpenSocket;
  /** A fresh events URL (GET /v1/campaigns/{id}: the token lasts ten minutes). */
  freshUrl: () => Promise<string>;
  /** Called with each progress frame applied (the page refreshes the summary and items from it). */
  onProgress?: (p: CampaignProgress) => void;
  /** Delay before reconnect `n` (1, 2, …); tests pass 0. */
  backoffMs?: (n: number) => number;
  maxReconnects?: number;
}

const pingEveryMs = 25_000;
export const campaignLiveReconnects = 8;
const defaultBackoff = (n: number) => Math.min(30_000, 1000 * 2 ** (n - 1));

/** Subscribes to the campaign's live progress from `url`; returns the unsubscribe. */
export function connectCampaignLive(url: string, deps: LiveDeps): () => void {
  const { state, openSocket } = deps;
  const backoff = deps.backoffMs ?? defaultBackoff;
  const maxReconnects = deps.maxReconnects ?? campaignLiveReconnects;
  let socket: SocketLike | null = null;
  let ping: ReturnType<typeof setInterval> | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;
  let stopped = false;

  const reconnect = () => {
    if (stopped || isFinished(state.progress.value?.status)) return;
    if (failures >= maxReconnects) {
      state.lost.value = "The live connection was lost.";
      return;
    }
    failures += 1;
    retry = setTimeout(() => {
      deps.freshUrl().then(
        (fresh) => {
          if (!stopped) open(fresh);
        },
        () => reconnect(),
      );
    }, backoff(failures));
  };

  const open = (target: string) => {
    const s = openSocket(target);
    socket = s;
    s.onopen = () => {
      state.connected.value = true;
      state.lost.value = null;
      ping = setInterval(() => {
        if (s.readyState === 1) s.send(JSON.stringify({ type: "ping" }));
      }, pingEveryMs);
    };
    s.onmessage = (ev) => {
      const frame = parseCampaignFrame(ev.data);
      if (!frame) return;
      if (frame.type === "welcome" && frame.protocolVersion !== campaignProtocolVersion) return;
      if (frame.type === "welcome" || frame.type === "progress") {
        failures = 0; // a socket that delivered is a success, whatever happened before
        if (applyProgress(state, frame.progress)) deps.onProgress?.(frame.progress);
      }
    };
    s.onerror = () => {};
    s.onclose = () => {
      if (ping) clearInterval(ping);
      ping = null;
      if (socket === s) socket = null;
      state.connected.value = false;
      reconnect();
    };
  };

  open(url);
  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    if (ping) clearInterval(ping);
    socket?.close(1000, "bye");
    state.connected.value = false;
  };
}
