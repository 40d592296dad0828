// The platform's system tools as the LLM sees them: end the call, hand over to another agent,
// switch language, and on phone calls press keys and transfer the caller to a person. Each does
// its work through `SessionControl` (the runner) and reports itself as a tool call like the
// webhook tools do.
import { llm, type voice } from "@livekit/agents";
import { z } from "zod";
import type { RuntimeConfig, RuntimeSystemTool } from "@speaknode/contracts";
import type { ToolCallRecord } from "../tools/types.ts";
import { dtmfDigits } from "./phone.ts";

export interface SessionControl {
  /** Says `farewell` (if any), lets it play, then ends the call. */
  endCall(reason: string, farewell: string | undefined): void;
  /** Builds the agent to hand over to (and records the hand-off once it runs). */
  prepareTransfer(agentId: string, reason: string): Promise<voice.Agent>;
  /** Switches speech recognition, voice and background to another of the agent's languages. */
  switchLanguage(language: string): Promise<void>;
  /** Plays keys on the phone line (a tool error on a call without one). */
  sendDtmf(digits: string): Promise<void>;
  /** Says the announcement, then has the platform transfer the phone call (a tool error when it refuses). */
  transferToNumber(destination: { name: string; announcement: string }, reason: string | undefined): Promise<void>;
  onToolCall(record: ToolCallRecord): void;
}

export type ToolList = llm.ToolContextEntry<unknown>[];

async function recorded<T>(control: SessionControl, name: string, callId: string, request: Record<string, unknown>, run: () => Promise<T>, summary?: unknown): Promise<T> {
  const startedAtMs = Date.now();
  const base = { toolCallId: callId, name, request, startedAt: new Date(startedAtMs).toISOString() };
  try {
    const result = await run();
    const response = summary ?? result;
    control.onToolCall({ ...base, status: "ok", ...(response === undefined ? {} : { response }), latencyMs: Date.now() - startedAtMs });
    return result;
  } catch (err) {
    control.onToolCall({ ...base, status: "error", error: err instanceof Error ? err.message : String(err), latencyMs: Date.now() - startedAtMs });
    throw err;
  }
}

export function systemTools(config: RuntimeConfig, control: SessionControl): ToolList {
  const tools: ToolList = [];
  const declared = config.tools.filter((t): t is RuntimeSystemTool => t.type === "system");
  for (const tool of declared) {
    switch (tool.name) {
      case "end_call":
        tools.push(
          llm.tool({
            name: "end_call",
            description: `${tool.description} Say goodbye in \`farewell\`; nothing is said after it.`,
            parameters: z.object({ farewell: z.string().max(500).optional().describe("The last words to say before hanging up") }),
            execute: async ({ farewell }, { ctx }) =>
              recorded(control, "end_call", ctx.functionCall.callId, { ...(farewell ? { farewell } : {}) }, async () => {
                control.endCall("agent_ended_call", farewell);
                // No result: the model is not asked to reply after hanging up.
                return undefined;
              }),
          }),
        );
        break;
      case "transfer_to_agent": {
        const targets = tool.targets;
        if (targets.length === 0) break;
        const names = targets.map((t) => t.name) as [string, ...string[]];
        tools.push(
          llm.tool({
            name: "transfer_to_agent",
            description: `${tool.description} Targets: ${targets.map((t) => `"${t.name}" — ${t.when}`).join("; ")}.`,
            parameters: z.object({ agent: z.enum(names).describe("The agent to hand over to"), reason: z.string().min(1).max(500).describe("Why, in a few words") }),
            execute: async ({ agent, reason }, { ctx }) =>
              recorded(
                control,
                "transfer_to_agent",
                ctx.functionCall.callId,
                { agent, reason },
                async () => {
                  const target = targets.find((t) => t.name === agent);
                  if (!target) throw new llm.ToolError(`no transfer target named ${agent}`);
                  const next = await control.prepareTransfer(target.agentId, reason);
                  return llm.handoff({ agent: next, returns: `Transferred to ${agent}.` });
                },
                { transferredTo: agent },
              ),
          }),
        );
        break;
      }
      case "switch_language": {
        const languages = config.locales.map((l) => l.language);
        if (languages.length < 2) break;
        tools.push(
          llm.tool({
            name: "switch_language",
            description: `${tool.description} Available: ${languages.join(", ")}.`,
            parameters: z.object({ language: z.enum(languages as [string, ...string[]]).describe("The language to continue in") }),
            execute: async ({ language }, { ctx }) =>
              recorded(control, "switch_language", ctx.functionCall.callId, { language }, async () => {
                await control.switchLanguage(language);
                return `Switched to ${language}. Continue the conversation in ${language}.`;
              }),
          }),
        );
        break;
      }
      case "send_dtmf":
        // Keys only mean something on a phone call: not offered on any other.
        if (!config.phone) break;
        tools.push(
          llm.tool({
            name: "send_dtmf",
            description: `${tool.description} Presses keys on the phone keypad (0-9, *, #, A-D), e.g. to answer an automated phone menu.`,
            parameters: z.object({ digits: z.string().regex(dtmfDigits).describe("The keys to press, in order, such as 1 or 4521#") }),
            execute: async ({ digits }, { ctx }) =>
              recorded(control, "send_dtmf", ctx.functionCall.callId, { digits }, async () => {
                await control.sendDtmf(digits);
                return `Pressed ${digits}. Listen to what the other side says next.`;
              }),
          }),
        );
        break;
      case "transfer_to_number": {
        const destinations = tool.destinations;
        if (!config.phone || destinations.length === 0) break;
        const names = destinations.map((d) => d.name) as [string, ...string[]];
        tools.push(
          llm.tool({
            name: "transfer_to_number",
            description: `${tool.description} Destinations: ${destinations.map((d) => `"${d.name}" — ${d.when}`).join("; ")}. The call leaves you once transferred.`,
            parameters: z.object({
              destination: z.enum(names).describe("Who to transfer the caller to"),
              reason: z.string().max(500).optional().describe("Why, in a few words"),
            }),
            execute: async ({ destination, reason }, { ctx }) =>
              recorded(
                control,
                "transfer_to_number",
                ctx.functionCall.callId,
                { destination, ...(reason ? { reason } : {}) },
                async () => {
                  const target = destinations.find((d) => d.name === destination);
                  if (!target) throw new llm.ToolError(`no transfer destination named ${destination}`);
                  await control.transferToNumber(target, reason);
                  // No result: the caller has left the agent, which does not reply.
                  return undefined;
                },
                { transferredTo: destination },
              ),
          }),
        );
        break;
      }
      case "translate_conversation":
        // The model does the translating: the tool hands it the conversation so far, verbatim.
        tools.push(
          llm.tool({
            name: "translate_conversation",
            description: tool.description,
            parameters: z.object({ language: z.string().min(2).max(35).describe("The language to translate into, e.g. es or German") }),
            execute: async ({ language }, { ctx }) =>
              recorded(control, "translate_conversation", ctx.functionCall.callId, { language }, async () => {
                const lines = ctx.session.history.items.flatMap((item) =>
                  item.type === "message" && (item.role === "user" || item.role === "assistant") && item.textContent ? [`${item.role}: ${item.textContent}`] : [],
                );
                return `Translate this conversation into ${language} and say the translation:\n${lines.join("\n")}`;
              }),
          }),
        );
        break;
    }
  }
  return tools;
}
