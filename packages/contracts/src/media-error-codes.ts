// The local media protocol's error codes as a plain list (no zod), so the browser widget can check
// frames against the same codes without bundling the schema library.
export const mediaErrorCodes = [
  /** Not JSON, not a known message, binary audio before `ready`, an odd byte count. */
  "bad_frame",
  "unsupported_version",
  /** The token is missing, invalid or expired. */
  "unauthorized",
  /** The token admits another session than the URL's `?session=`. */
  "session_mismatch",
  /** Another connection already carries this session's media. */
  "session_busy",
  "hello_timeout",
  "too_large",
  "internal",
] as const;
