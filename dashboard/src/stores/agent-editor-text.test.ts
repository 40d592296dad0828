// Renaming a variable with its placeholders, without a DOM: the prompt, every locale's first
// message, the declaration and `required` follow the new name; nothing else changes.
import { describe, expect, it } from "vitest";
import { AgentConfig } from "../../../packages/contracts/src/agents.ts";
import { renamePlaceholder, renameVariable, toolsUsingVariable } from "./agent-editor-text.ts";

function config(): AgentConfig {
  return AgentConfig.parse({
    name: "Support",
    systemPrompt: "You help {{name}} from {{ city }}.\nAddress {{name}} politely; {{names}} and {{ name_x }} are others.",
    llm: { provider: "scripted", model: "echo" },
    stt: { provider: "pocketsphinx", model: "en-us" },
    defaultLanguage: "en",
    locales: [
      { language: "en", firstMessage: "Hi {{name}}!", tts: { provider: "flite", model: "kal", voice: "kal" } },
      { language: "de", firstMessage: "Hallo {{  name  }} aus {{city}}", tts: { provider: "flite", model: "kal", voice: "kal" } },
    ],
    variables: { properties: { name: { type: "string" }, city: { type: "string", default: "Berlin" }, age: { type: "integer" } }, required: ["name", "age"] },
  });
}

describe("renamePlaceholder", () => {
  it("renames only the exact name, keeping the spaces inside the braces", () => {
    expect(renamePlaceholder("{{name}} {{ name }} {{names}} {{name_x}} {name} {{{name}}}", "name", "customer")).toBe("{{customer}} {{ customer }} {{names}} {{name_x}} {name} {{{customer}}}");
  });

  it("leaves text without the placeholder as it is", () => {
    expect(renamePlaceholder("No variables here, not even {{ }}.", "name", "customer")).toBe("No variables here, not even {{ }}.");
  });
});

describe("renameVariable", () => {
  it("renames the declaration in place, in required, in the system prompt and in every first message", () => {
    const before = config();
    const after = renameVariable(before, "name", "customer_name");
    expect(Object.keys(after.variables.properties)).toEqual(["customer_name", "city", "age"]);
    expect(after.variables.required).toEqual(["customer_name", "age"]);
    expect(after.systemPrompt).toBe("You help {{customer_name}} from {{ city }}.\nAddress {{customer_name}} politely; {{names}} and {{ name_x }} are others.");
    expect(after.locales.map((l) => l.firstMessage)).toEqual(["Hi {{customer_name}}!", "Hallo {{  customer_name  }} aus {{city}}"]);
  });

  it("does not change the configuration it was given", () => {
    const before = config();
    const copy = structuredClone(before);
    renameVariable(before, "city", "town");
    expect(before).toEqual(copy);
  });

  it("returns the configuration unchanged for an undeclared name or the same name", () => {
    const before = config();
    expect(renameVariable(before, "nobody", "someone")).toBe(before);
    expect(renameVariable(before, "name", "name")).toBe(before);
  });

  it("keeps the specs of the renamed variable and of the others", () => {
    const after = renameVariable(config(), "city", "town");
    expect(after.variables.properties["town"]).toEqual({ type: "string", default: "Berlin" });
    expect(after.variables.properties["age"]).toEqual({ type: "integer" });
    expect(after.systemPrompt).toContain("{{ town }}");
  });
});

describe("toolsUsingVariable", () => {
  it("names the webhook tools whose URL, headers or speech still use the variable", () => {
    const tool = (code: string, over: Partial<Parameters<typeof toolsUsingVariable>[0][number]> = {}) => ({ code, url: "https://api.example/x", headers: {}, preToolSpeech: null, progressSpeech: null, ...over });
    const tools = [
      tool("by_url", { url: "https://api.example/orders/{{ order }}" }),
      tool("by_header", { headers: { "x-order": "{{order}}" } }),
      tool("by_speech", { preToolSpeech: "Looking up {{order}}", progressSpeech: null }),
      tool("by_progress", { progressSpeech: { text: "Still on {{order}}", afterMs: 2000 } }),
      tool("other", { url: "https://api.example/{{orders}}" }),
    ];
    expect(toolsUsingVariable(tools, "order")).toEqual(["by_url", "by_header", "by_speech", "by_progress"]);
  });
});
