/**
 * The S3 client from config: the configured keys (the command layer fills in the local stack's for an endpoint
 * on this machine), else the AWS default credential chain (util/aws.ts: environment, profile, SSO, ECS task role, EC2 instance
 * role).
 */
import { type _Object, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { ResolvedConfig } from "../../config/schema";
import { defaultCredentials } from "../../util/aws";

export function s3ClientOptions(config: ResolvedConfig) {
  const s3 = config.s3;
  const credentials =
    s3.accessKeyId && s3.secretAccessKey
      ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, sessionToken: s3.sessionToken }
      : defaultCredentials();
  return {
    region: s3.region,
    endpoint: s3.endpoint === "aws" ? undefined : s3.endpoint,
    forcePathStyle: s3.forcePathStyle,
    credentials,
    maxAttempts: 3,
  };
}

export function createS3Client(config: ResolvedConfig): S3Client {
  return new S3Client(s3ClientOptions(config));
}

/** The objects under a prefix, a page (up to 1,000) at a time. */
export async function* objectPages(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<_Object[]> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    yield page.Contents ?? [];
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** How many objects and bytes are under a prefix. */
export async function prefixSize(s3: S3Client, bucket: string, prefix: string): Promise<{ objects: number; bytes: number }> {
  let objects = 0;
  let bytes = 0;
  for await (const page of objectPages(s3, bucket, prefix)) {
    objects += page.length;
    for (const o of page) bytes += o.Size ?? 0;
  }
  return { objects, bytes };
}

/** Deletes every object under a prefix, a page at a time; resolves the count deleted. */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string, onPage?: (deleted: number) => void): Promise<number> {
  let deleted = 0;
  for await (const page of objectPages(s3, bucket, prefix)) {
    const keys = page.map((o) => ({ Key: o.Key! }));
    if (keys.length === 0) continue;
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    if (r.Errors?.length)
      throw new Error(`S3 refused to delete ${r.Errors.length} objects, e.g. ${r.Errors[0]!.Key}: ${r.Errors[0]!.Message}`);
    deleted += keys.length;
    onPage?.(deleted);
  }
  return deleted;
}
