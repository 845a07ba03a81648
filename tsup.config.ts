import { cpSync } from "node:fs";
import { defineConfig } from "tsup";

export default defineConfig({
  // The produce, decode and verify workers are entries of their own: worker threads load them by file name.
  entry: {
    cli: "src/cli.ts",
    producerWorker: "src/kafka/producerWorker.ts",
    lineWorker: "src/pipeline/group/lineWorker.ts",
    verifyWorker: "src/verify/worker.ts",
  },
  format: ["esm"],
  target: "node20",
  platform: "node",
  outDir: "dist",
  // Commands are imported lazily; splitting keeps `stockpipe --help` from loading kafkajs, the AWS SDK, etc.
  splitting: true,
  sourcemap: true,
  clean: true,
  // The dashboard's page is served as it is written: copied next to the code it belongs to.
  onSuccess: async () => {
    cpSync("src/dashboard/page", "dist/page", { recursive: true });
  },
});
