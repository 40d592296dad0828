// A failure that carries the widget error code it should be shown as.
import type { WidgetErrorCode } from "../shared/types.ts";

export class WidgetFailure extends Error {
  readonly code: WidgetErrorCode;
  readonly retryAfterS: number | undefined;
  /** A sentence for people that replaces the code's usual message (a preview host's reason). */
  readonly shownMessage: string | undefined;

  constructor(code: WidgetErrorCode, detail?: string, retryAfterS?: number, shownMessage?: string) {
    super(detail ?? code);
    this.name = "WidgetFailure";
    this.code = code;
    this.retryAfterS = retryAfterS;
    this.shownMessage = shownMessage;
  }
}

/** Anything thrown, as a failure; unknown errors count as a failed session. */
export function asFailure(err: unknown, fallback: WidgetErrorCode = "session_failed"): WidgetFailure {
  return err instanceof WidgetFailure ? err : new WidgetFailure(fallback, err instanceof Error ? err.message : undefined);
}
