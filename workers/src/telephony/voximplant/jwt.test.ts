import { describe, expect, it } from "vitest";
import { decodeProtectedHeader, importSPKI, jwtVerify } from "jose";
import { VoximplantKeyError, voximplantSigner } from "./jwt.ts";
import { makeKeyFile } from "./testing.ts";

describe("VoxImplant Management API tokens", () => {
  it("are RS256 JWTs with kid = key_id, iss = account_id and an hour of validity, verifiable with the key's public half", async () => {
    const key = await makeKeyFile(777001, "kid-abcdef12");
    const token = await voximplantSigner(key).token(1_800_000_000_000);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "RS256", typ: "JWT", kid: "kid-abcdef12" });
    const { payload } = await jwtVerify(token, await importSPKI(key.publicKeyPem, "RS256"), { currentDate: new Date(1_800_000_000_000) });
    expect(payload).toEqual({ iss: 777001, iat: 1_800_000_000, exp: 1_800_003_600 });
  });

  it("accept a PKCS#1 'RSA PRIVATE KEY' file by wrapping it into PKCS#8 (the same key signs)", async () => {
    const key = await makeKeyFile();
    const token = await voximplantSigner({ ...key, private_key: key.pkcs1 }).token();
    await expect(jwtVerify(token, await importSPKI(key.publicKeyPem, "RS256"))).resolves.toBeTruthy();
  });

  it("are cached until a minute before they expire", async () => {
    const signer = voximplantSigner(await makeKeyFile());
    const first = await signer.token(1_000_000_000_000);
    expect(await signer.token(1_000_000_000_000 + 3_000_000)).toBe(first);
    expect(await signer.token(1_000_000_000_000 + 3_550_000)).not.toBe(first);
  });

  it("refuse a key that is not an RSA private key with a VoximplantKeyError", async () => {
    const garbage = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
    await expect(voximplantSigner({ account_id: 1, key_id: "k", private_key: garbage }).token()).rejects.toBeInstanceOf(VoximplantKeyError);
    const mixed = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
    await expect(voximplantSigner({ account_id: 1, key_id: "k", private_key: mixed }).token()).rejects.toThrow(/not a PEM private key/);
  });
});
