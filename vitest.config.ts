import { defineConfig } from "vitest/config";

// Tests import the AWS SDK directly; its notice about future Node versions is not for them (see src/cli.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export default defineConfig({
  test: {
    reporters: ["default", "./test/setup/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "src/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          // Starts the local stack's services that are not running, and stops only those afterwards.
          globalSetup: ["test/setup/stack.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // The services are shared; files run one after another so timing-sensitive tests are not starved.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "faults",
          include: ["test/faults/**/*.test.ts"],
          globalSetup: ["test/setup/stack.ts"],
          testTimeout: 1_200_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
