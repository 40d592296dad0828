// A space's provider credentials: the key sealed with AES-GCM bound to the credential's id and
// base URL (a ciphertext moved to another row or URL does not open), the base URL vetted by the
// SSRF policy on every save, and the lookups agents and the runtime configuration need.
import { and, eq, inArray, sql } from "drizzle-orm";
import { credentialProviderDefaults, keyHintOf, type AgentConfig, type CredentialProvider, type FieldError, type ProviderCredential, type RuntimeProviderCredential } from "@speaknode/contracts";
import { agents, agentVersions, providerCredentials, type Database } from "@speaknode/db";
import { ApiError } from "../errors.ts";
import { iso } from "../lib/openapi.ts";
import { decryptJson, encryptJson } from "../lib/secrets.ts";
import { checkOutboundUrl } from "@speaknode/ssrf";

export type CredentialRow = typeof providerCredentials.$inferSelect;

export function toProviderCredential(row: CredentialRow): ProviderCredential {
  return {
    id: row.id,
    spaceId: row.spaceId,
    provider: row.provider as CredentialProvider,
    name: row.name,
    baseUrl: row.baseUrl,
    keyHint: row.secretHint,
    version: row.version,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

const additionalData = (id: string, baseUrl: string) => `provider-credential\n${id}\n${baseUrl}`;

export async function sealKey(secretsKey: string, id: string, baseUrl: string, apiKey: string): Promise<{ secret: string; secretHint: string }> {
  return { secret: await encryptJson(secretsKey, apiKey, additionalData(id, baseUrl)), secretHint: keyHintOf(apiKey) };
}

export async function openKey(secretsKey: string, row: Pick<CredentialRow, "id" | "baseUrl" | "secret">): Promise<string> {
  const key = await decryptJson(secretsKey, row.secret, additionalData(row.id, row.baseUrl));
  if (typeof key !== "string") throw new Error("a provider credential holds no key");
  return key;
}

/** Loopback and plain http only where tools get them too: a development platform (dev tools on). */
export interface UrlPolicy {
  allowLoopback: boolean;
}

/** The base URL a key may be sent to, normalised (no trailing slash), or a 400 saying why not. */
export function vetBaseUrl(raw: string | undefined, provider: CredentialProvider, policy: UrlPolicy): string {
  const candidate = raw ?? credentialProviderDefaults[provider];
  const check = checkOutboundUrl(candidate, { allowLoopback: policy.allowLoopback, allowHttp: policy.allowLoopback });
  if (!check.ok) throw new ApiError("validation_failed", "the base URL is not a destination a key may be sent to", { errors: [{ field: "body.baseUrl", message: check.reason }] });
  if (check.url.search !== "" || check.url.hash !== "") {
    throw new ApiError("validation_failed", "the base URL is not valid", { errors: [{ field: "body.baseUrl", message: "must not carry a query or a fragment" }] });
  }
  const href = check.url.href.replace(/\/+$/, "");
  // Normalising percent-encodes, so the stored form can outgrow the column the raw text fitted.
  if (href.length > 2000) throw new ApiError("validation_failed", "the base URL is not valid", { errors: [{ field: "body.baseUrl", message: "is longer than 2000 characters once normalised" }] });
  return href;
}

/** Agents whose draft or published version names the credential, by name, for a 409. */
export async function agentsUsing(db: Database, spaceId: string, credentialId: string): Promise<{ id: string; name: string }[]> {
  // Configurations are jsonb; the id format (pcr_ + base32) cannot occur by accident in other text.
  const inDraft = sql`strpos(${agents.config}::text, ${credentialId}) > 0`;
  const inPublished = sql`exists (select 1 from ${agentVersions} where ${agentVersions.agentId} = ${agents.id} and ${agentVersions.version} = ${agents.publishedVersion} and strpos(${agentVersions.snapshot}::text, ${credentialId}) > 0)`;
  return db
    .select({ id: agents.id, name: agents.name })
    .from(agents)
    .where(and(eq(agents.spaceId, spaceId), sql`(${inDraft} or ${inPublished})`))
    .orderBy(agents.name);
}

interface StageRef {
  field: string;
  provider: string;
  credentialId?: string | null | undefined;
}

/** The stages of a configuration, each with the credential it names (if any). */
export function stageCredentialRefs(config: AgentConfig): StageRef[] {
  return [
    { field: "body.llm.credentialId", provider: config.llm.provider, credentialId: config.llm.credentialId },
    { field: "body.stt.credentialId", provider: config.stt.provider, credentialId: config.stt.credentialId },
    ...config.locales.map((l, i) => ({ field: `body.locales.${i}.tts.credentialId`, provider: l.tts.provider, credentialId: l.tts.credentialId })),
  ];
}

/** Each stage's credential must be one of this space's, for the stage's provider. */
export async function checkStageCredentials(db: Database, spaceId: string, refs: StageRef[]): Promise<FieldError[]> {
  const ids = [...new Set(refs.flatMap((r) => (r.credentialId ? [r.credentialId] : [])))];
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: providerCredentials.id, provider: providerCredentials.provider, name: providerCredentials.name })
    .from(providerCredentials)
    .where(and(eq(providerCredentials.spaceId, spaceId), inArray(providerCredentials.id, ids)));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const errors: FieldError[] = [];
  for (const ref of refs) {
    if (!ref.credentialId) continue;
    const row = byId.get(ref.credentialId);
    if (!row) errors.push({ field: ref.field, message: "no such provider key in this space" });
    else if (row.provider !== ref.provider) errors.push({ field: ref.field, message: `provider key "${row.name}" is for ${row.provider}, not ${ref.provider}` });
  }
  return errors;
}

/** The decrypted credentials a runtime configuration's stages name (space-scoped; never others). */
export async function runtimeCredentials(db: Database, secretsKey: string, spaceId: string, ids: string[]): Promise<RuntimeProviderCredential[]> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return [];
  const rows = await db.select().from(providerCredentials).where(and(eq(providerCredentials.spaceId, spaceId), inArray(providerCredentials.id, wanted)));
  const missing = wanted.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length > 0) throw new ApiError("gone", `the agent uses provider keys that were deleted: ${missing.join(", ")}`);
  return Promise.all(rows.map(async (r) => ({ id: r.id, provider: r.provider, baseUrl: r.baseUrl, apiKey: await openKey(secretsKey, r) })));
}
