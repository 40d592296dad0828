// Dynamic variables of an agent, declared as a JSON Schema object: each property has a type
// (string | number | integer | boolean), a description, an optional default and `nullable`.
// The renderer (template.ts) validates incoming values against this and substitutes them.
import { z } from "zod";
import { text } from "./text.ts";

export const variableNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const VariableName = text()
  .regex(variableNamePattern, "must be a letter or _ followed by letters, digits or _ (at most 64)")
  // Object records silently drop this key; refuse it rather than lose it.
  .refine((name) => name !== "__proto__", "is a reserved name");

export const VariableType = z.enum(["string", "number", "integer", "boolean"]);
export type VariableType = z.infer<typeof VariableType>;

export const VariableValue = z.union([text(), z.number(), z.boolean(), z.null()]);
export type VariableValue = z.infer<typeof VariableValue>;

export const VariableSpec = z
  .strictObject({
    type: VariableType,
    description: text().max(500).optional(),
    default: VariableValue.optional(),
    nullable: z.boolean().optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.default === undefined) return;
    const d = spec.default;
    const ok =
      d === null
        ? spec.nullable === true
        : spec.type === "string"
          ? typeof d === "string"
          : spec.type === "boolean"
            ? typeof d === "boolean"
            : spec.type === "integer"
              ? typeof d === "number" && Number.isInteger(d)
              : typeof d === "number";
    if (!ok) ctx.addIssue({ code: "custom", path: ["default"], message: `default must be ${d === null ? "non-null unless nullable" : `a ${spec.type}`}` });
  });
export type VariableSpec = z.infer<typeof VariableSpec>;

export const VariablesSchema = z
  .strictObject({
    type: z.literal("object").default("object"),
    properties: z.record(VariableName, VariableSpec).default({}),
    required: z.array(VariableName).default([]),
  })
  .superRefine((schema, ctx) => {
    schema.required.forEach((name, i) => {
      if (!(name in schema.properties)) ctx.addIssue({ code: "custom", path: ["required", i], message: `"${name}" is not a declared variable` });
    });
    if (Object.keys(schema.properties).length > 100) ctx.addIssue({ code: "custom", path: ["properties"], message: "at most 100 variables" });
  })
  .meta({ id: "VariablesSchema", description: "JSON Schema object declaring the agent's dynamic variables" });
export type VariablesSchema = z.infer<typeof VariablesSchema>;
