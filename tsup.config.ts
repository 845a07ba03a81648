import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/cli.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  outDir: "dist",
  // Commands are imported lazily; splitting keeps `stockpipe --help` from loading kafkajs, the AWS SDK, etc.
  splitting: true,
  sourcemap: true,
  clean: true,
});
