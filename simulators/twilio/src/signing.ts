// How Twilio signs the requests it sends (https://www.twilio.com/docs/usage/security#validating-requests):
// X-Twilio-Signature = base64(HMAC-SHA1(auth token, full URL + every POST parameter's name and value,
// sorted by name)). For GET requests the parameters are in the URL and nothing is appended.
import { createHmac } from "node:crypto";

export function signTwilioRequest(authToken: string, url: string, params: [string, string][]): string {
  const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let data = url;
  for (const [name, value] of sorted) data += name + value;
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}
