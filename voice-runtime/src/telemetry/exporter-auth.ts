// Headers of the trace exporter. Exporting to the Speaknode Worker (POST /v1/traces) needs the
// runtime's own short-lived service token, signed here and renewed before it expires; the OTLP
// exporter asks for headers before every export. Any other endpoint (a collector, a vendor) gets
// only the headers configured in OTEL_EXPORTER_OTLP_HEADERS: our token never leaves for a third party.
import { signRuntimeServiceToken } from "@speaknode/tokens";

export type HeadersFactory = () => Promise<Record<string, string>>;

const tokenTtlS = 600;
/** Renew this long before expiry, so a token never expires in flight. */
const renewBeforeS = 60;

export interface ExporterAuthOptions {
  endpoint: string;
  /** The Worker the runtime reports to (SPEAKNODE_API_URL). */
  apiUrl: string;
  tokenSecret: string;
  runtimeId: string;
  headers: Record<string, string>;
  nowMs?: () => number;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

export function exporterHeaders(opts: ExporterAuthOptions): Record<string, string> | HeadersFactory {
  if (!sameOrigin(opts.endpoint, opts.apiUrl)) return opts.headers;
  const now = opts.nowMs ?? Date.now;
  let token: { value: string; renewAtMs: number } | undefined;
  return async () => {
    if (!token || now() >= token.renewAtMs) {
      token = { value: await signRuntimeServiceToken(opts.tokenSecret, { ttlS: tokenTtlS, subject: opts.runtimeId }), renewAtMs: now() + (tokenTtlS - renewBeforeS) * 1000 };
    }
    const configured = Object.fromEntries(Object.entries(opts.headers).filter(([k]) => k.toLowerCase() !== "authorization"));
    return { ...configured, authorization: `Bearer ${token.value}` };
  };
}
