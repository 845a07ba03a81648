/**
 * The exchange_calendars Python package, as an independent source of exchange sessions: installed into a virtual
 * environment under .cache/ on first use (the version stack/calendars/requirements.txt pins, the one the bundled
 * sessions were generated from).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers";

const VENV = join(ROOT, ".cache", "calendars-venv");

function ensurePython(): string {
  const python = join(VENV, "bin", "python");
  if (existsSync(python)) {
    try {
      execFileSync(python, ["-c", "import exchange_calendars"], { stdio: "ignore" });
      return python;
    } catch {
      // Not installed yet (or broken): install it below.
    }
  }
  mkdirSync(join(ROOT, ".cache"), { recursive: true });
  execFileSync("python3", ["-m", "venv", VENV], { stdio: "inherit" });
  execFileSync(
    join(VENV, "bin", "pip"),
    ["install", "--quiet", "--disable-pip-version-check", "-r", join(ROOT, "stack", "calendars", "requirements.txt")],
    { stdio: "inherit", timeout: 600_000 },
  );
  return python;
}

export interface OracleSession {
  day: string;
  open: number;
  close: number;
  breakStart: number | null;
  breakEnd: number | null;
}

/** Every session of `exchange` with its day in [from, to] (YYYY-MM-DD), times as epoch ms, from exchange_calendars. */
export function exchangeSessions(exchange: string, from: string, to: string): OracleSession[] {
  const script = `
import json, sys
import pandas as pd
import exchange_calendars as xc
cal = xc.get_calendar(sys.argv[1], start=sys.argv[2], end=sys.argv[3])
ms = lambda t: None if pd.isna(t) else int(t.value // 1_000_000)
out = [{"day": d.strftime("%Y-%m-%d"), "open": ms(r["open"]), "close": ms(r["close"]), "breakStart": ms(r["break_start"]), "breakEnd": ms(r["break_end"])} for d, r in cal.schedule.iterrows()]
print(json.dumps(out))
`;
  const text = execFileSync(ensurePython(), ["-c", script, exchange, from, to], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(text) as OracleSession[];
}
