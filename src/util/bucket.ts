/** Creates a bucket when it is missing: `schema s3` (the lake's bucket) and the local stack's S3 server both use this. */
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";

/** Resolves "exists" or "created"; any failure but "not found" is thrown as it is. */
export async function ensureBucket(s3: S3Client, bucket: string, region?: string): Promise<"exists" | "created"> {
  const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(
    () => true,
    (e: { $metadata?: { httpStatusCode?: number } }) => {
      if (e.$metadata?.httpStatusCode === 404) return false;
      throw e;
    },
  );
  if (exists) return "exists";
  // Outside us-east-1, AWS wants the region named; a local server takes none.
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration: region && region !== "us-east-1" ? { LocationConstraint: region as never } : undefined,
    }),
  );
  return "created";
}
