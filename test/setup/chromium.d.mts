import type { Browser } from "playwright-core";

/** The path of a Chromium to drive, installing Debian's package when it is missing and that can be done here. */
export function ensureChromium(): string;
/** Headless Chromium that makes no connection of its own (no updates, no sync, no background requests). */
export function launchBrowser(): Promise<Browser>;
