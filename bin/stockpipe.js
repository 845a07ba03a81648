#!/usr/bin/env node
// Launcher: the CLI lives in dist/ (built by `npm run build`, or on `npm ci` through the prepare script).
import("../dist/cli.js").catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/cli.js")) {
    process.stderr.write("stockpipe is not built: run `npm run build` in the stockpipe folder.\n");
    process.exit(1);
  }
  throw err;
});
