/**
 * A real headless browser for the dashboard's tests: Debian's `chromium`, driven by playwright-core (which never
 * downloads a browser). On a Debian or Ubuntu machine run as root (CI is one) the package is installed when
 * missing, as the local stack installs its own parts; anywhere else a missing browser fails with what to install.
 * Plain JavaScript (types in chromium.d.mts), so that the benchmarks use it too.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** @returns {string | undefined} */
function found() {
  const own = process.env.CHROMIUM_PATH;
  if (own) {
    if (!existsSync(own)) throw new Error(`CHROMIUM_PATH is ${own}, which does not exist`);
    return own;
  }
  return CANDIDATES.find((p) => existsSync(p));
}

/** The path of a Chromium to drive, installing Debian's package when it is missing and that can be done here. */
export function ensureChromium() {
  const there = found();
  if (there) return there;
  if (process.getuid?.() === 0 && existsSync("/etc/debian_version")) {
    process.stderr.write("[test setup] installing Debian's chromium package for the browser tests (apt-get)…\n");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-q"], { stdio: ["ignore", "ignore", "inherit"], env });
    execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "chromium"], {
      stdio: ["ignore", "ignore", "inherit"],
      env,
    });
    const installed = found();
    if (installed) return installed;
  }
  throw new Error(
    "the dashboard's browser tests need Chromium: install Debian's `chromium` package (sudo apt-get install chromium), or set CHROMIUM_PATH to a Chromium or Chrome binary",
  );
}

/** Headless Chromium that makes no connection of its own (no updates, no sync, no background requests). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: ensureChromium(),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
