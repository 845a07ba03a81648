import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import { ensureTls } from "../../../src/local/tls";

const dir = mkdtempSync(join(tmpdir(), "stockpipe-tls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Connects to a TLS server that serves the stack's certificate; resolves with what the client saw. */
async function handshake(host: string, servername: string | undefined, ca: string | undefined): Promise<string> {
  const files = await ensureTls(dir);
  const server = tls.createServer({ key: readFileSync(files.key), cert: readFileSync(files.cert) }, (s) => s.end("hello"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise<string>((resolve) => {
      const socket = tls.connect({ host, port, servername, ca: ca ? [ca] : undefined, rejectUnauthorized: true }, () => {
        socket.once("data", (d) => {
          resolve(`ok ${d}`);
          socket.end();
        });
      });
      socket.once("error", (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
    });
  } finally {
    server.close();
  }
}

describe("the local stack's certificates", () => {
  it("a CA and a server certificate it signed, for 127.0.0.1 and localhost, keys owner-only", async () => {
    const files = await ensureTls(dir);
    const ca = new X509Certificate(readFileSync(files.ca));
    const cert = new X509Certificate(readFileSync(files.cert));
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkHost("example.com")).toBeUndefined();
    expect(statSync(files.key).mode & 0o077).toBe(0);
    expect(statSync(files.keyAndChain).mode & 0o077).toBe(0);
    // The combined file is the key, then the chain up to the CA.
    const combined = readFileSync(files.keyAndChain, "utf8");
    expect(combined.startsWith("-----BEGIN PRIVATE KEY-----")).toBe(true);
    expect(combined.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it("is made once: a second call reads the same files back", async () => {
    const first = readFileSync((await ensureTls(dir)).cert, "utf8");
    const second = readFileSync((await ensureTls(dir)).cert, "utf8");
    expect(second).toBe(first);
  });

  it("a client that trusts the CA completes a handshake by IP and by name; one that does not is refused", async () => {
    const ca = readFileSync((await ensureTls(dir)).ca, "utf8");
    expect(await handshake("127.0.0.1", undefined, ca)).toBe("ok hello");
    expect(await handshake("127.0.0.1", "localhost", ca)).toBe("ok hello");
    expect(await handshake("127.0.0.1", undefined, undefined)).toMatch(
      /^error (SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/,
    );
    expect(await handshake("127.0.0.1", "example.com", ca)).toBe("error ERR_TLS_CERT_ALTNAME_INVALID");
  });
});
