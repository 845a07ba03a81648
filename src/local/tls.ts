/**
 * A certificate authority made for one local stack, and the server certificate it issues (subject alternative
 * names 127.0.0.1 and localhost), as PEM files. Made once; clients trust the stack by trusting `ca.pem`.
 * Keys come from Node's crypto, certificates from node-forge, so no openssl or keytool is needed.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import forge from "node-forge";

export interface StackTls {
  dir: string;
  /** The CA certificate clients trust. */
  ca: string;
  /** The server's certificate (PEM) and its PKCS#8 key (PEM, unencrypted, owner-only). */
  cert: string;
  key: string;
  /** The server's key followed by its certificate and the CA's: one PEM file, as Cassandra reads it. */
  keyAndChain: string;
}

export function tlsFiles(stackDir: string): StackTls {
  const dir = join(stackDir, "tls");
  return {
    dir,
    ca: join(dir, "ca.pem"),
    cert: join(dir, "server.pem"),
    key: join(dir, "server-key.pem"),
    keyAndChain: join(dir, "server-key-and-chain.pem"),
  };
}

function keyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}

function certificate(
  subject: string,
  keys: { publicKey: string },
  issuer: { name: string; privateKey: string },
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  // A positive serial: 16 random hex digits with the top bit clear.
  cert.serialNumber = `0${randomBytes(8).toString("hex")}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 5 * 365 * 86_400_000);
  cert.setSubject([{ name: "commonName", value: subject }]);
  cert.setIssuer([{ name: "commonName", value: issuer.name }]);
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(issuer.privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return cert;
}

const CA_NAME = "stockpipe local stack CA";

/** The stack's CA and server certificate: made the first time, read back after. */
export async function ensureTls(stackDir: string): Promise<StackTls> {
  const files = tlsFiles(stackDir);
  if ([files.ca, files.cert, files.key, files.keyAndChain].every((f) => existsSync(f))) return files;
  const caKeys = keyPair();
  const ca = certificate(CA_NAME, caKeys, { name: CA_NAME, privateKey: caKeys.privateKey }, [
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  const serverKeys = keyPair();
  const server = certificate("localhost", serverKeys, { name: CA_NAME, privateKey: caKeys.privateKey }, [
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        { type: 7, ip: "127.0.0.1" },
        { type: 2, value: "localhost" },
      ],
    },
    { name: "subjectKeyIdentifier" },
  ]);
  const caPem = forge.pki.certificateToPem(ca);
  const serverPem = forge.pki.certificateToPem(server);
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  writeFileSync(files.ca, caPem);
  writeFileSync(files.cert, serverPem);
  writeFileSync(files.key, serverKeys.privateKey, { mode: 0o600 });
  writeFileSync(files.keyAndChain, serverKeys.privateKey + serverPem + caPem, { mode: 0o600 });
  return files;
}

export function readPem(file: string): string {
  return readFileSync(file, "utf8");
}
