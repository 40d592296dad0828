// Per-space provider credentials ("bring your own key"): an Owner stores a provider key for the
// space's agents. The key is write-only (never returned; `keyHint` tells keys apart) and bound to
// one base URL, the only place it is ever sent. Changing the URL needs the key again in the same
// request, so a stored key never follows an edited URL.
import { z } from "zod";
import { idSchema, Timestamp } from "./ids.ts";
import { credentialProviders, type CredentialProvider } from "./provider-params.ts";
import { text, urlText } from "./text.ts";

export const CredentialProviderName = z.enum(credentialProviders as [CredentialProvider, ...CredentialProvider[]]).meta({ id: "CredentialProvider" });

const name = text().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");
// Keys are opaque tokens: printable ASCII without spaces, so one cannot smuggle a header line.
const apiKey = text()
  .min(8, "must be at least 8 characters")
  .max(2000)
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");
const baseUrl = urlText({ protocol: /^https?$/ }).max(2000);

export const ProviderCredential = z
  .object({
    id: idSchema("providerCredential"),
    spaceId: idSchema("space"),
    provider: CredentialProviderName,
    name: text(),
    /** The only endpoint the key is sent to. */
    baseUrl: text(),
    /** The key's last characters ("…abcd"); the key itself is never returned. */
    keyHint: text(),
    version: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "ProviderCredential" });
export type ProviderCredential = z.infer<typeof ProviderCredential>;

export const CreateProviderCredentialBody = z
  .strictObject({
    provider: CredentialProviderName,
    name,
    apiKey,
    /** Defaults to the provider's public API. */
    baseUrl: baseUrl.optional(),
  })
  .meta({ id: "CreateProviderCredentialBody" });
export type CreateProviderCredentialBody = z.infer<typeof CreateProviderCredentialBody>;

export const UpdateProviderCredentialBody = z
  .strictObject({
    name: name.optional(),
    /** A new key (rotation). Required when `baseUrl` changes. */
    apiKey: apiKey.optional(),
    baseUrl: baseUrl.optional(),
  })
  .meta({ id: "UpdateProviderCredentialBody" });
export type UpdateProviderCredentialBody = z.infer<typeof UpdateProviderCredentialBody>;

/** "…abcd": enough to tell keys apart, too little to matter. */
export function keyHintOf(key: string): string {
  return `…${key.slice(-4)}`;
}
