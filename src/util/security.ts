/**
 * Security failures told apart from an unreachable server, by the messages Node's TLS, kafkajs and the
 * Cassandra driver give: retrying cannot mend them, and each has its own fix.
 */
export type SecurityProblem = "untrusted-certificate" | "certificate-name" | "expired-certificate" | "credentials";

const PATTERNS: [SecurityProblem, RegExp][] = [
  [
    "untrusted-certificate",
    /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate signature failure|SELF_SIGNED_CERT|UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT)/i,
  ],
  ["certificate-name", /Hostname\/IP does not match certificate|ERR_TLS_CERT_ALTNAME_INVALID/i],
  ["expired-certificate", /certificate has expired|certificate is not yet valid|CERT_HAS_EXPIRED/i],
  ["credentials", /authentication failed|invalid credentials|Provided username .* (and\/or password )?(are|is) incorrect|bad credentials/i],
];

export function securityProblem(message: string): SecurityProblem | undefined {
  return PATTERNS.find(([, re]) => re.test(message))?.[0];
}

/** What the problem means, in a few words, for the first half of an error line. */
export function securityWords(problem: SecurityProblem): string {
  switch (problem) {
    case "untrusted-certificate":
      return "presented a TLS certificate this client does not trust";
    case "certificate-name":
      return "presented a TLS certificate for another host name";
    case "expired-certificate":
      return "presented a TLS certificate that has expired or is not yet valid";
    case "credentials":
      return "rejected the credentials";
  }
}
