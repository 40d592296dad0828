// The one SSRF policy of the platform, shared by the Worker and the voice runtime: which URLs and
// which IP addresses the platform may reach on a user's or a model's behalf. Pure (no node:
// imports), so it runs in Workers and Node alike; fetching and DNS stay with each deployable.
export { classifyAddress, isIpLiteral, normaliseHost, type AddressKind } from "./address.ts";
export {
  addressReason,
  assertOutboundUrl,
  BlockedDestinationError,
  checkOutboundUrl,
  isListedHost,
  refusedAddressKind,
  type OutboundOptions,
  type UrlCheck,
} from "./url.ts";
