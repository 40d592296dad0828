// The publish gate's verdict on an agent's required test cases, kept with the version it published
// (its own file: agents.ts needs it, and agent-tests.ts needs agents.ts).
import { z } from "zod";
import { text } from "./text.ts";

/** The publish gate's verdict, kept with the version it published. */
export const TestGate = z
  .object({
    runId: text(),
    passed: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    errors: z.number().int(),
    /** An Owner published although required cases failed. */
    overridden: z.boolean(),
    failures: z.array(z.object({ caseId: text(), caseName: text(), message: text() })).max(50),
  })
  .meta({ id: "TestGate" });
export type TestGate = z.infer<typeof TestGate>;
