// Test helpers: an RSA service account key file made with WebCrypto, in both PEM forms VoxImplant
// key files come in (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY").
const pem = (label: string, der: Uint8Array) => {
  let s = "";
  for (const b of der) s += String.fromCharCode(b);
  const body = btoa(s).replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
};

/** The PKCS#1 key inside a PKCS#8 PrivateKeyInfo (its last element, an OCTET STRING). */
function pkcs1Of(pkcs8: Uint8Array): Uint8Array {
  let at = 0;
  const readHeader = () => {
    at++; // tag
    let len = pkcs8[at++] ?? 0;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (pkcs8[at++] ?? 0);
    }
    return len;
  };
  readHeader(); // outer SEQUENCE
  const version = readHeader();
  at += version;
  const algorithm = readHeader();
  at += algorithm;
  const len = readHeader(); // OCTET STRING
  return pkcs8.slice(at, at + len);
}

export interface TestKeyFile {
  account_id: number;
  key_id: string;
  private_key: string;
  pkcs1: string;
  publicKey: CryptoKey;
  publicKeyPem: string;
}

export async function makeKeyFile(accountId = 4242001, keyId = `key-${crypto.randomUUID()}`): Promise<TestKeyFile> {
  const pair = (await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: "SHA-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
  return { account_id: accountId, key_id: keyId, private_key: pem("PRIVATE KEY", pkcs8), pkcs1: pem("RSA PRIVATE KEY", pkcs1Of(pkcs8)), publicKey: pair.publicKey, publicKeyPem: pem("PUBLIC KEY", spki) };
}
