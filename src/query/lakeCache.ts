/**
 * A local copy of the lake's objects for the embedded engine: lists the lake's tables (ticks/, bars/, alerts/)
 * and downloads only new or changed keys (by ETag and size), and removes local files whose objects are gone.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
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
      const local = join(dir, key.slice(prefix.length));
      mkdirSync(dirname(local), { recursive: true });
      // Streamed to disk (a whole object in memory, 16 at once, held ~150 MB for a lake of 5M ticks), under a
      // name of its own until complete.
      await pipeline(out.Body as Readable, createWriteStream(`${local}.part`));
      renameSync(`${local}.part`, local);
      index[key] = tag;
      bytes += out.ContentLength ?? statSync(local).size;
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
