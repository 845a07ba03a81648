/** Puts a file into S3: one PutObject, or a multipart upload for large files (parts of 8 MiB). */
import { open, stat } from "node:fs/promises";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";

export const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;

export async function uploadFile(s3: S3Client, bucket: string, key: string, path: string, contentType: string): Promise<void> {
  const { size } = await stat(path);
  const file = await open(path, "r");
  try {
    if (size <= MULTIPART_THRESHOLD) {
      const body = Buffer.alloc(size);
      await file.read(body, 0, size, 0);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
      return;
    }
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }));
    try {
      const parts: { ETag?: string; PartNumber: number }[] = [];
      for (let offset = 0, n = 1; offset < size; offset += PART_SIZE, n++) {
        const length = Math.min(PART_SIZE, size - offset);
        const body = Buffer.alloc(length);
        await file.read(body, 0, length, offset);
        const out = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: body }));
        parts.push({ ETag: out.ETag, PartNumber: n });
      }
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => {});
      throw err;
    }
  } finally {
    await file.close();
  }
}
