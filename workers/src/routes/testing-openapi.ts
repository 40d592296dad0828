// Test helper: Twilio's real core API document (workers/src/tools/fixtures) as text inside
// workerd, which has no file system: Vite inlines the gzip file as a data: URL, gunzipped here.
import twilioGz from "../tools/fixtures/twilio_api_v2010.json.gz?url&inline";

let cached: Promise<string> | undefined;

export function twilioDocumentText(): Promise<string> {
  cached ??= (async () => {
    const bytes = Uint8Array.from(atob(twilioGz.slice(twilioGz.indexOf(",") + 1)), (ch) => ch.charCodeAt(0));
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  })();
  return cached;
}
