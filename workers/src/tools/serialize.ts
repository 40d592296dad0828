import type { Tool, TransferRule } from "@speaknode/contracts";
import type { tools } from "@speaknode/db";
import { iso } from "../lib/openapi.ts";
import { boundSecretOrigin } from "./tool-url.ts";

export type ToolRow = typeof tools.$inferSelect;

export function toTool(row: ToolRow): Tool {
  return {
    id: row.id,
    spaceId: row.spaceId,
    kind: "webhook",
    code: row.code,
    description: row.description,
    method: row.method,
    url: row.url,
    headersSchema: row.headersSchema ?? null,
    bodySchema: row.bodySchema ?? null,
    headers: row.headers,
    secretHeaderNames: row.secretHeaderNames,
    secretOrigin: boundSecretOrigin(row),
    secretQueryParamNames: row.secretQueryNames,
    bodyEncoding: row.bodyEncoding,
    parameterStyles: row.parameterStyles,
    timeoutMs: row.timeoutMs,
    preToolSpeech: row.preToolSpeech,
    progressSpeech: row.progressSpeech ?? null,
    transferRules: row.transferRules as TransferRule[],
    version: row.version,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
