/** S3 failures as one line naming the endpoint and bucket, and whether a retry can help. */
import type { LoadedConfig } from "../../config/loader";
import { RuntimeError, StockpipeError } from "../../errors";

/** Answers that repeating the request cannot change. */
const PERMANENT = new Set([
  "NoSuchBucket",
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidBucketName",
  "AllAccessDisabled",
]);

export function s3Error(err: unknown, loaded: LoadedConfig, doing: string): StockpipeError {
  if (err instanceof StockpipeError) return err;
  const e = err as Error & { $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const permanent = PERMANENT.has(e.name) || (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429);
  const s3 = loaded.config.s3;
  const what = e.name === "NoSuchBucket" ? `bucket ${s3.bucket} does not exist` : e.message.split("\n")[0];
  return new RuntimeError(
    `S3 at ${s3.endpoint} (s3.endpoint from ${loaded.origins.get("s3.endpoint") ?? "default"}): cannot ${doing}: ${what}`,
    {
      hint: "run `stockpipe local up` (or `stockpipe schema s3`), or check s3.endpoint, s3.bucket and the credentials",
      retriable: !permanent,
      cause: err,
    },
  );
}
