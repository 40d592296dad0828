// Post-call analysis: what an agent asks of every finished conversation (a summary, structured data
// the LLM extracts with a JSON Schema, a success evaluation by a rubric) and what a session's
// analysis came to. The settings are part of the agent's configuration (versioned with it); the
// result is stored with the session and sent in the call.analysis.ready webhook.
import { z } from "zod";
import { jsonValue, text } from "./text.ts";
import { Timestamp } from "./ids.ts";
import { VariableName } from "./variables.ts";

/** One field the LLM extracts: a JSON Schema property of a simple type, strings optionally from a closed list. */
export const AnalysisField = z
  .strictObject({
    type: z.enum(["string", "number", "integer", "boolean"]),
    description: text().trim().max(500).optional(),
    /** Strings only: the values allowed (counted per value on the analytics page). */
    enum: z.array(text().trim().min(1).max(100)).min(1).max(50).optional(),
  })
  .superRefine((field, ctx) => {
    if (field.enum && field.type !== "string") ctx.addIssue({ code: "custom", path: ["enum"], message: "only a string field can list its values" });
    if (field.enum && new Set(field.enum).size !== field.enum.length) ctx.addIssue({ code: "custom", path: ["enum"], message: "values must be distinct" });
  })
  .meta({ id: "AnalysisField" });
export type AnalysisField = z.infer<typeof AnalysisField>;

/** The structured data schema: a JSON Schema object of at most 50 fields. */
export const AnalysisSchema = z
  .strictObject({
    type: z.literal("object").default("object"),
    properties: z.record(VariableName, AnalysisField).default({}),
    required: z.array(VariableName).default([]),
  })
  .superRefine((schema, ctx) => {
    schema.required.forEach((name, i) => {
      if (!Object.hasOwn(schema.properties, name)) ctx.addIssue({ code: "custom", path: ["required", i], message: `"${name}" is not a declared field` });
    });
    if (Object.keys(schema.properties).length > 50) ctx.addIssue({ code: "custom", path: ["properties"], message: "at most 50 fields" });
  })
  .meta({ id: "AnalysisSchema" });
export type AnalysisSchema = z.infer<typeof AnalysisSchema>;

/** How success is judged: not at all, pass/fail, or a score from 1 to `scoreMax`, by the rubric. */
export const SuccessEvaluation = z
  .strictObject({
    kind: z.enum(["none", "pass_fail", "score"]).default("none"),
    rubric: text().trim().max(5000).default(""),
    /** Score evaluations: the best score (the lowest is 1). */
    scoreMax: z.number().int().min(2).max(100).default(10),
    /** Score evaluations: the lowest score that counts as a success. */
    passScore: z.number().int().min(1).max(100).default(7),
  })
  .superRefine((s, ctx) => {
    if (s.kind !== "none" && s.rubric === "") ctx.addIssue({ code: "custom", path: ["rubric"], message: "a success evaluation needs a rubric" });
    if (s.kind === "score" && s.passScore > s.scoreMax) ctx.addIssue({ code: "custom", path: ["passScore"], message: "must be at most scoreMax" });
  })
  .meta({ id: "SuccessEvaluation" });
export type SuccessEvaluation = z.infer<typeof SuccessEvaluation>;

export const defaultAnalysisSettings = { summaryPrompt: "", structuredData: { type: "object" as const, properties: {}, required: [] }, success: { kind: "none" as const, rubric: "", scoreMax: 10, passScore: 7 } };

export const AnalysisSettings = z
  .strictObject({
    /** What the summary should say; empty: no summary. */
    summaryPrompt: text().trim().max(5000).default(""),
    structuredData: AnalysisSchema.default(defaultAnalysisSettings.structuredData),
    success: SuccessEvaluation.default(defaultAnalysisSettings.success),
  })
  .meta({ id: "AnalysisSettings" });
export type AnalysisSettings = z.infer<typeof AnalysisSettings>;

/** True when the settings ask for anything at all. */
export function analysisRequested(settings: AnalysisSettings): boolean {
  return settings.summaryPrompt !== "" || Object.keys(settings.structuredData.properties).length > 0 || settings.success.kind !== "none";
}

/**
 * not_configured: nothing to do (`reason` says why: no analysis settings, or only the offline
 * scripted LLM, which would fabricate results). pending: queued. completed / failed (after retries).
 */
export const AnalysisStatus = z.enum(["not_configured", "pending", "completed", "failed"]);
export type AnalysisStatus = z.infer<typeof AnalysisStatus>;

export const analysisNotConfiguredReasons = {
  noSettings: "The agent asks for no analysis (Analysis tab: summary, structured data or success evaluation).",
  scriptedLlm: "Analysis needs a real LLM; this agent runs the offline scripted LLM.",
  noTurns: "Nothing was said in the session.",
} as const;

/** What the LLM returned, checked against the settings. */
export const AnalysisOutput = z
  .strictObject({
    summary: text().max(10_000).nullable(),
    /** Values of the structured data schema's fields (absent fields omitted). */
    data: z.record(text(), jsonValue()).nullable(),
    success: z
      .strictObject({
        /** pass_fail: the verdict; score: score ≥ passScore. */
        passed: z.boolean(),
        score: z.number().int().nullable(),
        reason: text().max(2000),
      })
      .nullable(),
  })
  .meta({ id: "AnalysisOutput" });
export type AnalysisOutput = z.infer<typeof AnalysisOutput>;

export const SessionAnalysis = z
  .object({
    status: AnalysisStatus,
    /** not_configured and failed: why. */
    reason: text().nullable(),
    result: AnalysisOutput.nullable(),
    attempts: z.number().int(),
    /** The model that analysed the session (provider/model). */
    model: text().nullable(),
    completedAt: Timestamp.nullable(),
  })
  .meta({ id: "SessionAnalysis" });
export type SessionAnalysis = z.infer<typeof SessionAnalysis>;

/** Analytics of analysed sessions: success by day and agent, and how often each enum value was extracted. */
export const AnalysisAnalytics = z
  .object({
    from: text(),
    to: text(),
    days: z.array(z.object({ day: text(), agentId: text().nullable(), analysed: z.number().int(), evaluated: z.number().int(), succeeded: z.number().int(), successRate: z.number().nullable() })),
    enums: z.array(z.object({ agentId: text().nullable(), field: text(), value: text(), count: z.number().int() })),
  })
  .meta({ id: "AnalysisAnalytics" });
export type AnalysisAnalytics = z.infer<typeof AnalysisAnalytics>;
