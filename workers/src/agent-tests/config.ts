// The RuntimeConfig a test case runs with, built by the very code that builds a session's
// (runtime/config.ts buildRuntimeConfig) from a synthetic session row of channel "test": the run's
// version (published snapshot, or the draft as it is now), the case's variables checked against the
// agent's schema with its defaults (as dispatch does), the case's language or the agent's default.
// A phone case gets a test call (RuntimePhone) so the agent is offered its phone tools. Hand-off
// targets get their published configuration, as runtime-transfer-config.ts gives a live session.
import { and, eq } from "drizzle-orm";
import { coerceVariables, newId, type AgentConfig, type RunnableTestCase, type RuntimeConfig, type RuntimePhone } from "@speaknode/contracts";
import { agents, type Database } from "@speaknode/db";
import { buildRuntimeConfig, sessionAgentConfig } from "../runtime/config.ts";
import type { SessionRow } from "../runtime/session.ts";
import type { TestRunRow } from "./store.ts";

/** The case cannot run against this configuration (its variables or language no longer fit): its result is `error`. */
export class CaseNotRunnable extends Error {
  override name = "CaseNotRunnable";
}

/** A phone call that never reached a provider: no numbers, no recording. */
const testPhone: RuntimePhone = { provider: "twilio", direction: "inbound", from: null, to: null, providerCallId: null, recordingEnabled: false, voicemail: { action: "hang_up", message: "" } };

/** A session row as dispatch would write it for a test of the run's version (never inserted). */
export function syntheticSession(run: Pick<TestRunRow, "spaceId" | "agentId" | "agentVersion" | "draftVersion">, language: string, variables: SessionRow["variables"]): SessionRow {
  return {
    id: newId("session"),
    spaceId: run.spaceId,
    agentId: run.agentId,
    agentVersion: run.agentVersion,
    draftVersion: run.draftVersion,
    status: "dispatching",
    failureReason: null,
    channel: "test",
    caller: null,
    language,
    variables,
    mediaDriver: "local",
    createdAt: new Date(),
    startedAt: null,
    endedAt: null,
    promptTokens: null,
    completionTokens: null,
    endReason: null,
    direction: null,
    fromNumber: null,
    toNumber: null,
    phoneNumberId: null,
    providerCallId: null,
    providerStatus: null,
    providerControlUrl: null,
    hangupCause: null,
    campaignId: null,
    campaignAttemptId: null,
    analysisStatus: null,
    analysisReason: null,
    analysisResult: null,
    analysisPassed: null,
    analysisScore: null,
    analysisAttempts: 0,
    analysisModel: null,
    analysisRequestedAt: null,
    analyzedAt: null,
  };
}

/** The agent configuration the run tests (its published snapshot, or the draft as it is now). */
export function runAgentConfig(db: Database, run: TestRunRow): Promise<AgentConfig> {
  return sessionAgentConfig(db, syntheticSession(run, "en", {}));
}

export interface TestConfigs {
  config: RuntimeConfig;
  transferConfigs: RuntimeConfig[];
}

export async function testRuntimeConfigs(db: Database, secretsKey: string, run: TestRunRow, agentConfig: AgentConfig, testCase: RunnableTestCase): Promise<TestConfigs> {
  const language = testCase.language ?? agentConfig.defaultLanguage;
  const locale = agentConfig.locales.find((l) => l.language.toLowerCase() === language.toLowerCase());
  if (!locale) throw new CaseNotRunnable(`the case's language ${language} is not one of the agent's (${agentConfig.locales.map((l) => l.language).join(", ")})`);
  const variables = coerceVariables(agentConfig.variables, testCase.variables, { source: "json", fieldPrefix: "variables" });
  if (!variables.ok) throw new CaseNotRunnable(`the case's variables do not fit the agent's schema: ${variables.errors.map((e) => `${e.field} ${e.message}`).join("; ")}`);
  const session = syntheticSession(run, locale.language, variables.values);
  const built = await buildRuntimeConfig(db, secretsKey, session);
  const config: RuntimeConfig = testCase.channel === "phone" ? { ...built, phone: testPhone } : built;
  const transferConfigs: RuntimeConfig[] = [];
  for (const target of built.transferTargets) {
    if (!target.published) continue;
    const [row] = await db.select({ publishedVersion: agents.publishedVersion }).from(agents).where(and(eq(agents.id, target.agentId), eq(agents.spaceId, run.spaceId)));
    if (row?.publishedVersion == null) continue;
    const targetConfig = await buildRuntimeConfig(db, secretsKey, { ...session, agentId: target.agentId, agentVersion: row.publishedVersion, draftVersion: null });
    transferConfigs.push(testCase.channel === "phone" ? { ...targetConfig, phone: testPhone } : targetConfig);
  }
  return { config, transferConfigs: transferConfigs.slice(0, 20) };
}
