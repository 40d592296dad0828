// Socket frames arrive as text: JSON.parse lives inside a schema so raw text never escapes
// validation. `jsonText.pipe(Schema)` parses and validates in one step.
import { z } from "zod";
import { text } from "./text.ts";

export const jsonText = text().transform((text, ctx): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    ctx.addIssue({ code: "custom", message: "not JSON" });
    return z.NEVER;
  }
});
