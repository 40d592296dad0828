// The one SSRF policy of the platform (filled in by the hardening work).
export {};
