// The field-by-field diff of two agent configurations (a version and the draft), without a DOM.
import { describe, expect, it } from "vitest";
import { AgentConfig } from "../../../packages/contracts/src/agents.ts";
import { newId } from "../../../packages/contracts/src/ids.ts";
import { configChanges, show } from "./agent-diff.ts";

const toolId = newId("tool");
const otherAgent = newId("agent");

function base(): AgentConfig {
  return AgentConfig.parse({
    name: "Support",
    systemPrompt: "You help {{customer}}.",
    llm: { provider: "openrouter", model: "gpt-x", params: { topP: 0.9 } },
    stt: { provider: "deepgram", model: "nova-3" },
    defaultLanguage: "en",
    locales: [
      { language: "en", firstMessage: "Hi {{customer}}!", tts: { provider: "openai", model: "tts-1", voice: "alloy" } },
      { language: "de", firstMessage: "Hallo!", tts: { provider: "openai", model: "tts-1", voice: "nova" } },
    ],
    variables: { properties: { customer: { type: "string" }, plan: { type: "string", default: "basic" } }, required: ["customer"] },
    tools: [{ type: "webhook", toolId }, { type: "system", name: "end_call" }],
  });
}

describe("configChanges", () => {
  it("finds nothing between equal configurations, and leaves the system prompt to its line diff", () => {
    const b = base();
    expect(configChanges(base(), b)).toEqual([]);
    b.systemPrompt = "Something else entirely.";
    expect(configChanges(base(), b)).toEqual([]);
  });

  it("lists the general fields with their old and new values", () => {
    const b = base();
    b.name = "Help desk";
    b.temperature = 0.2;
    b.maxTokensPerConversation = 5000;
    expect(configChanges(base(), b)).toEqual([
      { kind: "changed", field: "Name", before: '"Support"', after: '"Help desk"' },
      { kind: "changed", field: "Temperature", before: "0.7", after: "0.2" },
      { kind: "changed", field: "Token limit per conversation", before: "no limit", after: "5000" },
    ]);
  });

  it("compares locales by language, field by field, and an added or removed one as a single line", () => {
    const b = base();
    const de = b.locales[1];
    if (de) {
      de.tts.voice = "onyx";
      de.tts.params = { speed_hint: 2 };
      de.firstMessage = "Guten Tag!";
    }
    b.locales.splice(0, 1);
    b.locales.push({ language: "fr", firstMessage: "", tts: { provider: "flite", model: "kal", voice: "kal", params: {} }, speed: 1, background: { sound: "none", volume: 0.2 } });
    b.defaultLanguage = "de";
    expect(configChanges(base(), b)).toEqual([
      { kind: "changed", field: "Default language", before: "English (en)", after: "German (de)" },
      { kind: "removed", field: "English (en)", before: "openai / tts-1, voice alloy", after: null },
      { kind: "changed", field: "German (de) › First message", before: '"Hallo!"', after: '"Guten Tag!"' },
      { kind: "changed", field: "German (de) › Voice", before: '"nova"', after: '"onyx"' },
      { kind: "added", field: "German (de) › Text to speech › Parameter speed_hint", before: null, after: "2" },
      { kind: "added", field: "French (fr)", before: null, after: "flite / kal, voice kal" },
    ]);
  });

  it("reports the order of languages only when the same languages were reordered", () => {
    const b = base();
    b.locales.reverse();
    expect(configChanges(base(), b)).toEqual([{ kind: "changed", field: "Order of languages", before: "English (en), German (de)", after: "German (de), English (en)" }]);
  });

  it("covers models, their parameters and the VAD", () => {
    const b = base();
    b.llm = { provider: "openrouter", model: "echo", params: { topP: 0.5, maxTokens: 7 } };
    b.stt.params = {};
    b.vad.minSilenceMs = 800;
    expect(configChanges(base(), b)).toEqual([
      { kind: "changed", field: "Language model", before: "openrouter / gpt-x", after: "openrouter / echo" },
      { kind: "changed", field: "Language model › Parameter topP", before: "0.9", after: "0.5" },
      { kind: "added", field: "Language model › Parameter maxTokens", before: null, after: "7" },
      { kind: "changed", field: "VAD › Minimum silence (ms)", before: "550", after: "800" },
    ]);
  });

  it("covers turn-taking: detection in words, interruptions, the agent's own backchannel lists and the phone's overrides", () => {
    const a = base();
    a.turn.interruption.backchannels = { de: ["ja"] };
    const b = structuredClone(a);
    b.turn.detection = "vad";
    b.turn.maxEndpointingDelayMs = 4000;
    b.turn.preemptiveGeneration = false;
    b.turn.interruption.minWords = 2;
    b.turn.interruption.backchannels = { en: ["yeah", "right"], fr: [] };
    b.turn.phone = { minInterruptionDurationMs: 400 };
    b.vad.allowInterruptionsDuringFirstMessage = false;
    expect(configChanges(a, b)).toEqual([
      { kind: "changed", field: "Turn-taking › End-of-turn detection", before: "end-of-turn model", after: "silence only (VAD)" },
      { kind: "changed", field: "Turn-taking › Maximum endpointing delay (ms)", before: "2500", after: "4000" },
      { kind: "changed", field: "Turn-taking › Preemptive replies", before: "true", after: "false" },
      { kind: "changed", field: "Interruptions › Minimum words", before: "1", after: "2" },
      { kind: "removed", field: "Interruptions › Backchannels German (de)", before: "ja", after: null },
      { kind: "added", field: "Interruptions › Backchannels English (en)", before: null, after: "yeah, right" },
      { kind: "added", field: "Interruptions › Backchannels French (fr)", before: null, after: "empty list" },
      { kind: "changed", field: "Phone calls › Minimum interruption speech (ms)", before: "as on the web", after: "400" },
      { kind: "changed", field: "VAD › Interruptible first message", before: "true", after: "false" },
    ]);
  });

  it("compares variables by name: a changed field, a removed and an added variable", () => {
    const b = base();
    b.variables.properties = { customer: { type: "string", description: "Who calls" }, vip: { type: "boolean", default: false } };
    b.variables.required = [];
    expect(configChanges(base(), b)).toEqual([
      { kind: "changed", field: "Variable customer › Description", before: "none", after: '"Who calls"' },
      { kind: "changed", field: "Variable customer › Required", before: "true", after: "false" },
      { kind: "removed", field: "Variable plan", before: 'string, default "basic"', after: null },
      { kind: "added", field: "Variable vip", before: null, after: "boolean, default false" },
    ]);
  });

  it("names attached and detached tools, webhook tools by their code when known", () => {
    const b = base();
    b.tools = [{ type: "system", name: "end_call" }, { type: "system", name: "transfer_to_agent", targets: [{ agentId: otherAgent, when: "billing questions" }] }];
    const changes = configChanges(base(), b, { toolName: (id) => (id === toolId ? "lookup_order" : undefined) });
    expect(changes).toEqual([
      { kind: "removed", field: "Tool lookup_order", before: "attached", after: null },
      { kind: "added", field: "Tool transfer_to_agent", before: null, after: "attached" },
    ]);
  });

  it("lists a transfer target's condition when the tool stays attached", () => {
    const a = base();
    a.tools = [{ type: "system", name: "transfer_to_agent", targets: [{ agentId: otherAgent, when: "billing" }] }];
    const b = structuredClone(a);
    b.tools = [{ type: "system", name: "transfer_to_agent", targets: [{ agentId: otherAgent, when: "billing or refunds" }] }];
    expect(configChanges(a, b, { agentName: () => "Billing" })).toEqual([
      { kind: "changed", field: "Tool transfer_to_agent › Transfer to Billing", before: '"billing"', after: '"billing or refunds"' },
    ]);
  });

  it("covers the widget, allowed origins as a set", () => {
    const a = base();
    a.widget.allowedOrigins = ["https://a.example", "https://b.example"];
    const b = structuredClone(a);
    b.widget.allowedOrigins = ["https://b.example", "https://c.example"];
    b.widget.theme.primaryColor = "#000000";
    b.widget.displayName = "Ava";
    expect(configChanges(a, b)).toEqual([
      { kind: "changed", field: "Widget › Display name", before: "none", after: '"Ava"' },
      { kind: "changed", field: "Widget › Primary colour", before: "#3b5bdb", after: "#000000" },
      { kind: "removed", field: "Widget › Allowed origin", before: "https://a.example", after: null },
      { kind: "added", field: "Widget › Allowed origin", before: null, after: "https://c.example" },
    ]);
  });

  it("shows long texts cut and empty ones visibly", () => {
    expect(show("")).toBe('""');
    expect(show("x".repeat(200))).toBe(JSON.stringify(`${"x".repeat(120)}…`));
    expect(show(null)).toBe("none");
  });
});
