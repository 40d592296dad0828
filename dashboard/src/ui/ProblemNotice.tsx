// An API refusal shown in full: what was refused in the API's words, then its HTTP status, problem
// code and request id (what support asks for). A 402 minutes_exhausted or 403 plan_limit from any
// page reads the same way.
import type { ShownProblem } from "../stores/billing.ts";

export function ProblemNotice({ problem }: { problem: ShownProblem }) {
  return (
    <div class="problem card" role="alert" data-problem={problem.code ?? "error"}>
      <p class="error">{problem.message}</p>
      {problem.status !== null && (
        <p class="muted">
          HTTP {problem.status} · <code>{problem.code}</code>
          {problem.requestId && (
            <>
              {" "}
              · request <code>{problem.requestId}</code>
            </>
          )}
        </p>
      )}
    </div>
  );
}
