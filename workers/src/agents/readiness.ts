// Which providers an agent of a space can use now: the voice runtimes report what they hold
// (platform keys, installed offline engines, voices listed with the platform key), the catalog
// says which models are enabled, and the space may hold its own keys. A report older than 15
// minutes is ignored: a runtime that stopped reporting may be gone. Several runtimes count
// together: a provider is usable when any fresh report makes it so.
import { eq, gte, inArray } from "drizzle-orm";
import { offlineProviders, providersByKind, RuntimeCapabilitiesBody, type ProviderReadiness, type ProvidersReadiness, type RuntimeProviderCapability, type VoiceEntry } from "@speaknode/contracts";
import { catalogModels, providerCredentials, runtimeCapabilities, type Database } from "@speaknode/db";
import { log } from "../lib/log.ts";

export const reportFreshMs = 15 * 60_000;

export type StageKind = "llm" | "stt" | "tts";
export const stageKinds: readonly StageKind[] = ["llm", "stt", "tts"];

export interface FreshReport {
  runtimeId: string;
  reportedAt: Date;
  body: RuntimeCapabilitiesBody;
}

export interface CatalogEntry {
  kind: string;
  provider: string;
  model: string;
  enabled: boolean;
  offline: boolean;
  /** BCP 47 languages; empty = any. */
  languages: string[];
}

export interface SpaceKey {
  id: string;
  provider: string;
  name: string;
}

/** What readiness, the voice library and the pre-flight are computed from. */
export interface ReadinessFacts {
  catalog: CatalogEntry[];
  reports: FreshReport[];
  /** The space's provider keys (never their secrets). */
  spaceKeys: SpaceKey[];
}

/** Reports no older than 15 minutes at `now`; a row that no longer parses is skipped. */
export async function freshReports(db: Database, now: Date): Promise<FreshReport[]> {
  const rows = await db.select().from(runtimeCapabilities).where(gte(runtimeCapabilities.reportedAt, new Date(now.getTime() - reportFreshMs)));
  return rows.flatMap((row) => {
    const body = RuntimeCapabilitiesBody.safeParse(row.report);
    if (!body.success) {
      log.warn("runtime capabilities: a stored report does not parse; ignored", { runtimeId: row.runtimeId });
      return [];
    }
    return [{ runtimeId: row.runtimeId, reportedAt: row.reportedAt, body: body.data }];
  });
}

export async function readinessFacts(db: Database, spaceId: string, now: Date): Promise<ReadinessFacts> {
  const [catalog, reports, spaceKeys] = await Promise.all([
    db
      .select({ kind: catalogModels.kind, provider: catalogModels.provider, model: catalogModels.model, enabled: catalogModels.enabled, offline: catalogModels.offline, languages: catalogModels.languages })
      .from(catalogModels)
      .where(inArray(catalogModels.kind, [...stageKinds])),
    freshReports(db, now),
    db.select({ id: providerCredentials.id, provider: providerCredentials.provider, name: providerCredentials.name }).from(providerCredentials).where(eq(providerCredentials.spaceId, spaceId)),
  ]);
  return { catalog, reports, spaceKeys };
}

export function capabilities(reports: FreshReport[], kind: StageKind, provider: string): RuntimeProviderCapability[] {
  return reports.flatMap((r) => r.body.providers.filter((p) => p.kind === kind && p.provider === provider));
}

/** Languages the available engines handle, together; null = any. */
function languagesOf(caps: RuntimeProviderCapability[]): string[] | null {
  const available = caps.filter((c) => c.available);
  if (available.length === 0 || available.some((c) => c.languages === null)) return null;
  return [...new Set(available.flatMap((c) => c.languages ?? []))];
}

/** One provider's readiness in a space (whether or not the catalog has a model of it). */
export function providerReadiness(facts: ReadinessFacts, kind: StageKind, provider: string): ProviderReadiness {
  const caps = capabilities(facts.reports, kind, provider);
  const entry = { kind, provider };
  const noReport = "No voice runtime has reported in the last 15 minutes, so nothing is known to work; start the voice runtime";
  if (offlineProviders.has(provider)) {
    if (caps.some((c) => c.available)) return { ...entry, usable: true, source: "offline", reason: null, languages: languagesOf(caps) };
    const why = caps.find((c) => c.reason)?.reason;
    const reason = facts.reports.length === 0 ? noReport : `${provider} is not installed in the voice runtime${why ? ` (${why})` : ""}`;
    return { ...entry, usable: false, source: null, reason, languages: null };
  }
  if (caps.some((c) => c.available && c.platformKey)) return { ...entry, usable: true, source: "platform", reason: null, languages: null };
  // A space's own key works whatever the runtime's environment holds.
  if (facts.spaceKeys.some((k) => k.provider === provider)) return { ...entry, usable: true, source: "space", reason: null, languages: null };
  if (facts.reports.length === 0) return { ...entry, usable: false, source: null, reason: noReport, languages: null };
  const down = caps.length > 0 && caps.every((c) => !c.available);
  const reason = down
    ? `${provider} cannot run in the voice runtime${caps.find((c) => c.reason)?.reason ? ` (${caps.find((c) => c.reason)?.reason})` : ""}`
    : `${provider} has no key here: the voice runtime has no platform key for it and this space has no ${provider} provider key`;
  return { ...entry, usable: false, source: null, reason, languages: null };
}

/** One entry per (kind, provider) the runtime has drivers for and the catalog has an enabled model of. */
export function providersReadiness(facts: ReadinessFacts): ProvidersReadiness {
  const data: ProviderReadiness[] = [];
  for (const kind of stageKinds) {
    for (const provider of providersByKind[kind]) {
      if (facts.catalog.some((m) => m.kind === kind && m.provider === provider && m.enabled)) data.push(providerReadiness(facts, kind, provider));
    }
  }
  const latest = facts.reports.reduce<Date | null>((max, r) => (max === null || r.reportedAt > max ? r.reportedAt : max), null);
  return { data, runtimeReportedAt: latest ? latest.toISOString() : null };
}

/** Voices fresh reports listed for a provider (with the platform key), each id once. */
export function reportedVoices(reports: FreshReport[], provider: string): VoiceEntry[] {
  const byId = new Map<string, VoiceEntry>();
  for (const r of reports) for (const v of r.body.voices[provider] ?? []) if (!byId.has(v.id)) byId.set(v.id, v);
  return [...byId.values()];
}

/** The primary subtags match: "en-US" handles "en" and "en-GB" (a model rarely cares about the region). */
export { handlesLanguage as languageHandled, languageLabel } from "@speaknode/contracts";
