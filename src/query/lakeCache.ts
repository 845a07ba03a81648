/**
 * A local copy of the lake's objects for the embedded engine: lists the lake's tables (ticks/, bars/, alerts/)
 * and downloads only new or changed keys (by ETag and size), and removes local files whose objects are gone.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { ResolvedConfig } from "../config/schema";
import { createS3Client, objectPages } from "../sinks/s3/client";
import { LAKE_TABLES, lakeRoot } from "../sinks/s3/layout";
import { runBounded } from "../util/bounded";

export interface SyncResult {
  dir: string;
  objects: number;
  downloaded: number;
  removed: number;
  bytes: number;
}

/** One cache per endpoint and bucket: two S3 servers with a bucket of the same name are two lakes. */
export function cacheDir(config: ResolvedConfig): string {
  const endpoint =
    config.s3.endpoint === "aws"
      ? `aws-${config.s3.region}`
      : config.s3.endpoint.replace(/^https?:\/\//, "").replace(/[^A-Za-z0-9.-]+/g, "_");
  return join(dirname(config.local.dir), "lake-cache", endpoint, config.s3.bucket, lakeRoot(config));
}

/** Brings the cache up to date with the lake, with a client of its own. */
export async function syncLake(config: ResolvedConfig, onProgress?: (done: number, total: number) => void): Promise<SyncResult> {
  const s3 = createS3Client(config);
  try {
    return await syncWith(s3, config, onProgress);
  } finally {
    s3.destroy();
  }
}

async function syncWith(s3: S3Client, config: ResolvedConfig, onProgress?: (done: number, total: number) => void): Promise<SyncResult> {
  const dir = cacheDir(config);
  mkdirSync(dir, { recursive: true });
  const indexFile = join(dir, ".index.json");
  const index: Record<string, string> = existsSync(indexFile) ? JSON.parse(readFileSync(indexFile, "utf8")) : {};
  const prefix = lakeRoot(config);
  const remote = new Map<string, string>();
  const tables = Object.values(LAKE_TABLES).map((t) => `${prefix}${t}/`);
  for await (const page of objectPages(s3, config.s3.bucket, prefix)) {
    for (const o of page)
      if (o.Key && /\.(parquet|jsonl)$/.test(o.Key) && tables.some((t) => o.Key!.startsWith(t))) remote.set(o.Key, `${o.ETag}:${o.Size}`);
  }
  const wanted = [...remote].filter(([key, tag]) => index[key] !== tag || !existsSync(join(dir, key.slice(prefix.length))));
  let done = 0;
  let bytes = 0;
  await runBounded(
    wanted.map(([key, tag]) => async () => {
      const out = await s3.send(new GetObjectCommand({ Bucket: config.s3.bucket, Key: key }));
      const body = Buffer.from(await out.Body!.transformToByteArray());
      const local = join(dir, key.slice(prefix.length));
      mkdirSync(dirname(local), { recursive: true });
      await writeFile(local, body);
      index[key] = tag;
      bytes += body.length;
      onProgress?.(++done, wanted.length);
    }),
    16,
  );
  let removed = 0;
  for (const key of Object.keys(index)) {
    if (remote.has(key)) continue;
    rmSync(join(dir, key.slice(prefix.length)), { force: true });
    delete index[key];
    removed++;
  }
  writeFileSync(indexFile, JSON.stringify(index));
  return { dir, objects: remote.size, downloaded: wanted.length, removed, bytes };
}
