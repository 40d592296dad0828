// The LiveKit part of a connection's health check: LiveKit answers with this deployment's keys,
// and a sync run now leaves the connection's trunks and dispatch rules as the platform wants them
// (the reconcile is idempotent: when all is in place it only lists).
import type { Context } from "hono";
import type { ConnectionHealth } from "@speaknode/contracts";
import type { AppEnv } from "../../context.ts";
import type { ConnectionRow } from "../connections.ts";
import { LiveKitError } from "./client.ts";
import { noLiveKitDetail, sipClientFor, syncConnectionSip } from "./provision.ts";

type Check = ConnectionHealth["checks"][number];

export async function sipHealthChecks(c: Context<AppEnv>, row: ConnectionRow): Promise<Check[]> {
  const config = c.get("config");
  const client = sipClientFor(config);
  if (!client) return [{ name: "LiveKit", ok: false, detail: noLiveKitDetail }];
  let reachable: Check;
  try {
    await client.listInboundTrunks();
    reachable = { name: "LiveKit", ok: true, detail: "LiveKit's SIP service answers with this deployment's API key" };
  } catch (err) {
    const detail = err instanceof LiveKitError ? err.message : "LiveKit could not be reached";
    return [{ name: "LiveKit", ok: false, detail }];
  }
  const sync = await syncConnectionSip({ db: c.get("db"), config }, row.id);
  const synced: Check =
    sync?.status === "synced"
      ? { name: "Trunks and dispatch rules", ok: true, detail: "LiveKit holds the connection's trunks and a dispatch rule for each number that takes calls" }
      : { name: "Trunks and dispatch rules", ok: false, detail: sync?.detail ?? "the connection could not be synced" };
  return [reachable, synced];
}
