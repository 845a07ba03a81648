/**
 * AWS credentials the AWS way: one provider per process over the SDK's default chain — environment, AWS_PROFILE
 * and the shared files (with SSO, credential_process and assumed roles), a web identity token, the ECS task role,
 * the EC2 instance role through IMDSv2 — refreshed before temporary credentials expire. S3, Glue, Athena and
 * Kafka's MSK IAM sign with it, and `doctor` names the source that supplied the credentials (never the secret).
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";

/** Credentials as the SDK's providers hand them out: `$source` says which provider supplied them. */
type Sourced = AwsCredentialIdentity & { $source?: Record<string, string> };

let chain: AwsCredentialIdentityProvider | undefined;

/**
 * The process's provider over the default chain (memoized by the SDK: refreshed when they near expiry). The
 * SDK's providers load on first use, so commands that never sign pay nothing for them.
 */
export const defaultCredentials = (): AwsCredentialIdentityProvider => provider;

const provider: AwsCredentialIdentityProvider = async (options) => {
  if (!chain) {
    const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
    chain = fromNodeProviderChain();
  }
  return chain(options);
};

/** Features the SDK records on credentials (its user-agent feature ids), in words. */
const SOURCES: [feature: string, words: string][] = [
  ["CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN", "a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)"],
  ["CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN", "a web identity token of profile {profile}"],
  ["CREDENTIALS_PROFILE_SSO", "IAM Identity Center (SSO) login of profile {profile}"],
  ["CREDENTIALS_PROFILE_SSO_LEGACY", "IAM Identity Center (SSO) login of profile {profile}"],
  ["CREDENTIALS_SSO", "IAM Identity Center (SSO) login of profile {profile}"],
  ["CREDENTIALS_PROFILE_PROCESS", "credential_process of profile {profile}"],
  ["CREDENTIALS_PROFILE_SOURCE_PROFILE", "a role assumed by profile {profile}"],
  ["CREDENTIALS_PROFILE_LOGIN", "console login of profile {profile}"],
  ["CREDENTIALS_PROFILE", "profile {profile} of the shared credentials files"],
  ["CREDENTIALS_ENV_VARS", "environment (AWS_ACCESS_KEY_ID)"],
  ["CREDENTIALS_HTTP", "the ECS task role (container credentials endpoint)"],
];

/** Which source supplied credentials the default chain resolved, in words, with the key id (never the secret). */
export function describeCredentials(creds: AwsCredentialIdentity, env: NodeJS.ProcessEnv = process.env): string {
  const features = (creds as Sourced).$source ?? {};
  const profile = env.AWS_PROFILE ?? "default";
  let source = SOURCES.find(([feature]) => feature in features)?.[1].replace("{profile}", profile);
  // The metadata providers record no feature: which one ran follows from the environment the chain looked at.
  source ??=
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI
      ? "the ECS task role (container credentials endpoint)"
      : "the EC2 instance role (IMDSv2)";
  const temporary = creds.sessionToken
    ? `, temporary${creds.expiration ? ` until ${creds.expiration.toISOString().slice(0, 19)}Z` : ""}`
    : "";
  return `${source}: key ${creds.accessKeyId}${temporary}`;
}
