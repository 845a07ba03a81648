import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The stockpipe package folder (holds stack/ and data/), found from this module whether built or run from src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "stack"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("cannot find the stockpipe package folder (with package.json and stack/)");
}
