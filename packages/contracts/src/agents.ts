// An agent as admins configure it: prompt with {{variables}}, providers per stage, one locale per
// language, dynamic variables, attached tools, widget settings. One definition for the API, the
// dashboard's forms and (as a published snapshot) the voice runtime.
import { z } from "zod";
import { AgentTelephonySettings } from "./phone-settings.ts";
import { WebOrigin } from "./origins.ts";
import { text, jsonValue, urlText } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { ModelName, ProviderName, ProviderParams } from "./catalog.ts";
import { paramIssues, storedParams } from "./provider-params.ts";
import { patchShape } from "./patch.ts";
import { ToolRef } from "./tools.ts";
import { VariablesSchema } from "./variables.ts";
import { PreflightProblem } from "./problem.ts";
import { TurnSettings, defaultTurnSettings } from "./turn-taking.ts";
import { AnalysisSettings, defaultAnalysisSettings } from "./analysis.ts";
import { TestGate } from "./test-gate.ts";

const timestamp = Timestamp;

/** BCP 47 language tag (`en`, `en-US`, `ru`, `pt-BR`, `zh-Hant-TW`). */
export const LanguageTag = text().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?$/, "must be a BCP 47 language tag like en or en-US");

/** A stage's provider and model from the catalog, its tuning, and optionally which of the space's
 *  provider keys to use (absent or null: the platform's key and endpoint). Never an endpoint or a key. */
export const ProviderChoice = z.strictObject({
  provider: ProviderName,
  model: ModelName,
  params: ProviderParams.default({}),
  credentialId: idSchema("providerCredential").nullable().optional(),
});
export type ProviderChoice = z.infer<typeof ProviderChoice>;

type Stage = "llm" | "stt" | "tts";

/** Refuses params the provider does not take, above all endpoints and keys (see provider-params.ts). */
function providerParamsCheck(kind: Stage) {
  return (choice: { provider: string; params: Record<string, unknown> }, ctx: z.RefinementCtx) => {
    for (const issue of paramIssues(kind, choice.provider, choice.params, "agent")) ctx.addIssue({ code: "custom", path: ["params", ...issue.path], message: issue.message });
  };
}
export const LlmChoice = ProviderChoice.superRefine(providerParamsCheck("llm"));
export const SttChoice = ProviderChoice.superRefine(providerParamsCheck("stt"));

export const VadSettings = z
  .strictObject({
    model: z.literal("silero").default("silero"),
    activationThreshold: z.number().min(0.05).max(0.95).default(0.5),
    minSpeechMs: z.number().int().min(0).max(5000).default(50),
    minSilenceMs: z.number().int().min(50).max(5000).default(550),
    prefixPaddingMs: z.number().int().min(0).max(2000).default(500),
    allowInterruptionsDuringFirstMessage: z.boolean().default(true),
  })
  .meta({ id: "VadSettings" });

export const BackgroundSound = z.enum(["none", "office", "cafe", "call-center", "street", "nature"]);

export const Locale = z
  .strictObject({
    language: LanguageTag,
    firstMessage: text().trim().max(2000).default(""),
    tts: z
      .strictObject({
        provider: ProviderName,
        model: ModelName,
        voice: text().trim().min(1).max(200),
        params: ProviderParams.default({}),
        credentialId: idSchema("providerCredential").nullable().optional(),
      })
      .superRefine(providerParamsCheck("tts")),
    speed: z.number().min(0.5, "must be at least 0.5").max(2, "must be at most 2").default(1),
    background: z.strictObject({ sound: BackgroundSound.default("none"), volume: z.number().min(0).max(1).default(0.2) }).default({ sound: "none", volume: 0.2 }),
  })
  .meta({ id: "Locale" });
export type Locale = z.infer<typeof Locale>;

export const WidgetSettings = z
  .strictObject({
    displayName: text().trim().min(1).max(60).optional(),
    placement: z.enum(["bottom-right", "bottom-left", "inline"]).default("bottom-right"),
    launcherText: text().trim().min(1).max(40).default("Talk to us"),
    theme: z
      .strictObject({
        primaryColor: text().regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb colour").default("#3b5bdb"),
        textColor: text().regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb colour").default("#ffffff"),
        backgroundColor: text().regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb colour").default("#ffffff"),
      })
      .default({ primaryColor: "#3b5bdb", textColor: "#ffffff", backgroundColor: "#ffffff" }),
    showTranscript: z.boolean().default(false),
    /** Origins (https://shop.example) whose pages may start sessions publicly; empty = any. */
    allowedOrigins: z.array(WebOrigin).max(50).default([]),
  })
  .meta({ id: "WidgetSettings" });

/** The configurable fields; everything an agent version freezes. */
export const agentConfigShape = {
  name: text().trim().min(1, "must not be empty").max(50, "must be at most 50 characters"),
  systemPrompt: text().max(20_000).default(""),
  temperature: z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").default(0.7),
  maxTokensPerConversation: z.number().int().min(100).max(10_000_000).nullable().default(null),
  llm: LlmChoice,
  stt: SttChoice,
  vad: VadSettings.default(VadSettings.parse({})),
  /** Turn-taking: end-of-turn detection, preemptive replies, what interrupts the agent. */
  turn: TurnSettings.default(defaultTurnSettings),
  autoDetectLanguage: z.boolean().default(false),
  defaultLanguage: LanguageTag,
  locales: z.array(Locale).min(1, "needs at least one locale").max(30),
  variables: VariablesSchema.default({ type: "object", properties: {}, required: [] }),
  tools: z.array(ToolRef).max(50).default([]),
  widget: WidgetSettings.default(WidgetSettings.parse({})),
  /** Phone calls: what to do when an answering machine picks up an outbound call. */
  telephony: AgentTelephonySettings.default({ voicemail: { action: "hang_up", message: "" } }),
  /** Post-call analysis of every session: summary, structured data, success evaluation. */
  analysis: AnalysisSettings.default(defaultAnalysisSettings),
};

export const CreateAgentBody = z.strictObject(agentConfigShape).meta({ id: "CreateAgentBody" });
export type CreateAgentBody = z.infer<typeof CreateAgentBody>;

export const UpdateAgentBody = z
  .strictObject(patchShape(agentConfigShape))
  .meta({ id: "UpdateAgentBody" });
export type UpdateAgentBody = z.infer<typeof UpdateAgentBody>;

/** A stored configuration as it was written, possibly before provider params were checked per
 *  provider: keeps what an agent may still set and drops the rest (an endpoint such as
 *  `params.baseUrl`, unknown keys), so old rows and published snapshots keep loading. */
export function storedAgentConfig(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const config: Record<string, unknown> = { ...raw };
  const clean = (kind: Stage, choice: unknown): unknown => {
    if (typeof choice !== "object" || choice === null || Array.isArray(choice)) return choice;
    const c = choice as Record<string, unknown>;
    const params = c["params"];
    if (typeof c["provider"] !== "string" || typeof params !== "object" || params === null || Array.isArray(params)) return choice;
    return { ...c, params: storedParams(kind, c["provider"], params as Record<string, unknown>) };
  };
  config["llm"] = clean("llm", config["llm"]);
  config["stt"] = clean("stt", config["stt"]);
  if (Array.isArray(config["locales"])) {
    config["locales"] = config["locales"].map((l: unknown) =>
      typeof l === "object" && l !== null && !Array.isArray(l) ? { ...l, tts: clean("tts", (l as Record<string, unknown>)["tts"]) } : l,
    );
  }
  return config;
}

const agentConfigObject = z.object(agentConfigShape);
const agentFields = {
  id: idSchema("agent"),
  spaceId: idSchema("space"),
  /** Optimistic concurrency: send it back as If-Match (or the ETag). */
  version: z.number().int(),
  published: z.boolean(),
  publishedVersion: z.number().int().nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
};

/** An agent's configuration as stored and read back (see storedAgentConfig). */
export const AgentConfig = z.preprocess(storedAgentConfig, agentConfigObject);
export type AgentConfig = z.infer<typeof AgentConfig>;

export const Agent = z.preprocess(storedAgentConfig, agentConfigObject.extend(agentFields)).meta({ id: "Agent" });
export type Agent = z.infer<typeof Agent>;

export const AgentSaved = z
  .preprocess(
    storedAgentConfig,
    agentConfigObject.extend({
      ...agentFields,
      /** Non-blocking findings, e.g. declared variables used nowhere. */
      warnings: z.array(z.object({ field: text(), message: text() })),
    }),
  )
  .meta({ id: "AgentSaved" });

export const AgentVersionSummary = z
  .object({
    id: idSchema("agentVersion"),
    agentId: idSchema("agent"),
    version: z.number().int(),
    createdAt: timestamp,
    createdBy: text().nullable(),
    note: text().nullable(),
    /** The required test cases' verdict when it was published (null: the agent had none). */
    testGate: TestGate.nullable().optional(),
  })
  .meta({ id: "AgentVersionSummary" });

export const AgentVersion = AgentVersionSummary.extend({
  /** The frozen configuration: the agent's fields and the full definitions of its webhook tools. */
  snapshot: z.object({ agent: AgentConfig, tools: z.array(z.record(text(), jsonValue())) }),
  /** An Owner published despite the pre-flight: what it found then (null: the pre-flight passed). */
  forcedProblems: z.array(PreflightProblem).nullable().optional(),
}).meta({ id: "AgentVersion" });

export const PublishBody = z
  .strictObject({
    note: text().trim().max(200).optional(),
    /** Owners only: publish although the pre-flight found problems (recorded with the version). */
    force: z.boolean().default(false),
    /** Owners only: publish although required test cases failed (recorded with the version). */
    overrideTests: z.boolean().default(false),
  })
  .meta({ id: "PublishBody" });

/** The public widget configuration of a published agent: nothing secret, cacheable at the edge. */
export const PublicWidgetConfig = z
  .object({
    agentId: idSchema("agent"),
    displayName: text(),
    languages: z.array(z.object({ language: text(), default: z.boolean() })),
    placement: z.enum(["bottom-right", "bottom-left", "inline"]),
    launcherText: text(),
    theme: z.object({ primaryColor: text(), textColor: text(), backgroundColor: text() }),
    showTranscript: z.boolean(),
    acceptsVariables: z.array(z.object({ name: text(), type: text() })),
    version: z.number().int(),
  })
  .meta({ id: "PublicWidgetConfig" });

/** How to put an agent on a web page: the snippet to paste, the loader it loads, the hosted test page. */
export const AgentEmbed = z
  .object({
    /** The custom element and the loader's script tag, ready to paste into a page's HTML. */
    html: text(),
    loaderUrl: urlText(),
    /** A page on this platform hosting the widget; its query string becomes the session's variables. */
    publicLinkUrl: urlText(),
    /** The widget and the public page only work once a version is published. */
    published: z.boolean(),
  })
  .meta({ id: "AgentEmbed" });
export type AgentEmbed = z.infer<typeof AgentEmbed>;
