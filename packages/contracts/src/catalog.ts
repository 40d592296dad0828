// The provider catalog: which providers and models agents may choose, managed by the platform
// Admin. Agents refer to entries by (kind, provider, model); disabled or unknown ones are refused.
import { z } from "zod";
import { text } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { paramIssues } from "./provider-params.ts";

const timestamp = Timestamp;

export const ModelKind = z.enum(["llm", "stt", "tts", "vad"]).meta({ id: "ModelKind" });
export type ModelKind = z.infer<typeof ModelKind>;

/** Providers the voice runtime has drivers for. `scripted`, `pocketsphinx` and `flite` are the offline ones. */
export const providersByKind = {
  llm: ["openai-compatible", "openrouter", "scripted"],
  stt: ["deepgram", "openai", "pocketsphinx"],
  tts: ["elevenlabs", "cartesia", "openai", "flite"],
  vad: ["silero"],
} as const satisfies Record<ModelKind, readonly string[]>;

export const offlineProviders = new Set<string>(["scripted", "pocketsphinx", "flite"]);

export const ProviderName = text().regex(/^[a-z][a-z0-9-]{1,39}$/);
export const ModelName = text().min(1).max(200);
export const ProviderParams = z.record(text().min(1).max(64), z.union([text().max(2000), z.number(), z.boolean(), z.null()]));

export const CatalogModel = z
  .object({
    id: idSchema("catalogModel"),
    kind: ModelKind,
    provider: text(),
    model: text(),
    displayName: text(),
    enabled: z.boolean(),
    offline: z.boolean(),
    defaultParams: ProviderParams,
    /** BCP 47 languages the model handles; empty = any. */
    languages: z.array(text()),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "CatalogModel" });
export type CatalogModel = z.infer<typeof CatalogModel>;

export const CreateCatalogModelBody = z
  .strictObject({
    kind: ModelKind,
    provider: ProviderName,
    model: ModelName,
    displayName: text().trim().min(1).max(100),
    enabled: z.boolean().default(true),
    defaultParams: ProviderParams.default({}),
    languages: z.array(text().min(2).max(35)).max(200).default([]),
  })
  .superRefine((body, ctx) => {
    const known: readonly string[] = providersByKind[body.kind];
    if (!known.includes(body.provider)) ctx.addIssue({ code: "custom", path: ["provider"], message: `unknown ${body.kind} provider; one of ${known.join(", ")}` });
    // The Admin's defaults may name the endpoint the platform's key goes to; nothing else unknown.
    else for (const issue of paramIssues(body.kind, body.provider, body.defaultParams, "admin")) ctx.addIssue({ code: "custom", path: ["defaultParams", ...issue.path], message: issue.message });
  })
  .meta({ id: "CreateCatalogModelBody" });

export const UpdateCatalogModelBody = z
  .strictObject({
    displayName: text().trim().min(1).max(100).optional(),
    enabled: z.boolean().optional(),
    defaultParams: ProviderParams.optional(),
    languages: z.array(text().min(2).max(35)).max(200).optional(),
  })
  .meta({ id: "UpdateCatalogModelBody" });
