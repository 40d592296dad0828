// Form errors in people's words without a DOM: field paths become the labels forms show, zod's
// default texts become short sentences, and a form's errors go as soon as their field changes.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CreateAgentBody } from "../../../packages/contracts/src/agents.ts";
import { ApiProblem, errorMessage } from "../api/client.ts";
import { fieldLabel, fieldSentence, plainMessage } from "./field-words.ts";
import { describedBy, fieldsHeadline, formErrors, headlineAfter, keepUnchanged, zodFieldErrors } from "./forms.ts";

const locales = [{ language: "en" }, { language: "de" }];

describe("fieldLabel", () => {
  it("names agent fields by the labels the editor shows", () => {
    expect(fieldLabel("body.widget.theme.primaryColor")).toBe("Widget · Primary colour");
    expect(fieldLabel("body.stt.model")).toBe("Speech-to-text model");
    expect(fieldLabel("llm.params.top_p")).toBe("Language model · Parameter top_p");
    expect(fieldLabel("vad.minSilenceMs")).toBe("Voice activity detection · Minimum silence (ms)");
  });

  it("names turn-taking fields as the Turn-taking tab does, a backchannel by its language and place", () => {
    expect(fieldLabel("body.turn.maxEndpointingDelayMs")).toBe("Maximum endpointing delay (ms)");
    expect(fieldLabel("turn.phone.maxEndpointingDelayMs")).toBe("Phone calls · Maximum endpointing delay (ms)");
    expect(fieldLabel("turn.interruption.minWords")).toBe("Minimum words to interrupt");
    expect(fieldLabel("turn.interruption.backchannels.de")).toBe("Backchannels · German (de)");
    expect(fieldLabel("body.turn.interruption.backchannels.en.2")).toBe("Backchannels · English (en) · phrase 3");
  });

  it("names a locale's fields by the locale's language", () => {
    expect(fieldLabel("body.locales.0.tts.voice", { locales })).toBe("English (en) · Voice");
    expect(fieldLabel("locales.1.firstMessage", { locales })).toBe("German (de) · First message");
    expect(fieldLabel("locales.4.speed")).toBe("Language 5 · Speed");
  });

  it("puts any other path in words, counting from 1", () => {
    expect(fieldLabel("tools.2.destinations.0.number")).toBe("Tools · 3 · Destinations · 1 · Number");
    expect(fieldLabel("settings.maxConcurrentCalls")).toBe("Calls at once");
    expect(fieldLabel("body.email")).toBe("Email");
    expect(fieldLabel("body.baseUrl")).toBe("Base URL");
    expect(fieldLabel("body.widget.allowedOrigins.0")).toBe("Widget · Allowed origin 1");
  });
});

describe("plainMessage", () => {
  it("rewrites zod's default texts as sentences", () => {
    expect(plainMessage("Too small: expected string to have >=1 characters")).toBe("must not be empty");
    expect(plainMessage("Too big: expected string to have <=60 characters")).toBe("must be at most 60 characters");
    expect(plainMessage("Too small: expected number to be >=100")).toBe("must be at least 100");
    expect(plainMessage("Invalid input")).toBe("is not valid");
    expect(plainMessage("Invalid input: expected string, received undefined")).toBe("is required");
    expect(plainMessage('Invalid option: expected one of "bottom-right"|"bottom-left"|"inline"')).toBe("must be one of bottom-right, bottom-left, inline");
    expect(plainMessage("Invalid URL")).toBe("must be a web address (https://…)");
  });

  it("keeps what a schema wrote for people", () => {
    expect(plainMessage("must be a #rrggbb colour")).toBe("must be a #rrggbb colour");
  });

  it("covers what zod itself says for an agent's empty launcher text", () => {
    const parsed = CreateAgentBody.shape.widget.safeParse({ launcherText: "" });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(zodFieldErrors(parsed.error)).toEqual({ launcherText: "must not be empty" });
    const typed = z.object({ n: z.number() }).safeParse({ n: "x" });
    if (!typed.success) expect(zodFieldErrors(typed.error)).toEqual({ n: "must be a number" });
  });
});

describe("API problems", () => {
  const refused = new ApiProblem(400, "validation_failed", "the request did not pass validation", "req_1", [
    { field: "body.widget.theme.primaryColor", message: "must be a #rrggbb colour" },
    { field: "body.name", message: "Too small: expected string to have >=1 characters" },
  ]);

  it("say which fields in their labels and plain words", () => {
    expect(errorMessage(refused)).toBe("Some fields need a change: Widget · Primary colour must be a #rrggbb colour; Name must not be empty.");
    expect(fieldSentence("body.locales.0.tts.voice", "Invalid input", { locales })).toBe("English (en) · Voice is not valid");
  });

  it("give forms plain messages keyed by field, under a headline about fields", () => {
    expect(formErrors(refused)).toEqual({ fields: { "widget.theme.primaryColor": "must be a #rrggbb colour", name: "must not be empty" }, message: fieldsHeadline });
  });
});

describe("errors after an edit", () => {
  const before = { name: "", widget: { theme: { primaryColor: "teal" } }, locales: [{ tts: { voice: "alloy" } }] };

  it("drop the error of a field that changed and keep the others", () => {
    const fields = { name: "must not be empty", "widget.theme.primaryColor": "must be a #rrggbb colour" };
    const after = { ...before, widget: { theme: { primaryColor: "#00aa88" } } };
    expect(keepUnchanged(fields, before, after)).toEqual({ name: "must not be empty" });
  });

  it("keep errors whose path leads nowhere in the form", () => {
    expect(keepUnchanged({ _: "refused" }, before, { ...before, name: "x" })).toEqual({ _: "refused" });
  });

  it("clear the headline with the last field error", () => {
    expect(headlineAfter(fieldsHeadline, { name: "x" }, {})).toBeNull();
    expect(headlineAfter(fieldsHeadline, { name: "x", a: "y" }, { a: "y" })).toBe(fieldsHeadline);
    expect(headlineAfter("Could not load", {}, {})).toBe("Could not load");
  });
});

describe("describedBy", () => {
  it("points a control at its error message, keeping the ids it had of its own", () => {
    expect(describedBy(null, "f1-error", ["f1-error", "f1-hint"])).toBe("f1-error");
    expect(describedBy("own f1-hint", "f1-error", ["f1-error", "f1-hint"])).toBe("own f1-error");
    expect(describedBy("f1-error", null, ["f1-error", "f1-hint"])).toBeNull();
  });
});
