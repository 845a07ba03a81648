"""
Regenerates src/model/calendars/sessions.json — every exchange's trading sessions 2000–2030 — from the
exchange_calendars package (the version in requirements.txt):

    python3 -m venv .cache/calendars-venv
    .cache/calendars-venv/bin/pip install -r stack/calendars/requirements.txt
    .cache/calendars-venv/bin/python stack/calendars/generate.py

Per exchange: its time zone, weekmask, the weekdays without a session (holidays), any other days with one, and
its hours in local time run-length encoded: each entry holds from its date until the next entry (so an early
close is two entries: the short day, then the usual hours again).
"""
import json
import os
import sys

import exchange_calendars as xc
import pandas as pd

EXCHANGES = ["XNYS", "XNAS", "XLON", "XHKG", "XTKS", "XTSE", "XETR", "XPAR", "XASX"]
START, END = "2000-01-01", "2030-12-31"
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "model", "calendars", "sessions.json")


def local(ts, tz):
    return ts.tz_convert(tz).strftime("%H:%M")


def exchange(code):
    cal = xc.get_calendar(code, start=START, end=END)
    tz = str(cal.tz)
    weekmask = cal.weekmask
    schedule = cal.schedule
    days = set(d.strftime("%Y-%m-%d") for d in schedule.index)
    first, last = min(days), max(days)
    holidays, special = [], []
    for d in pd.date_range(first, last, freq="D"):
        key = d.strftime("%Y-%m-%d")
        on_mask = weekmask[d.weekday()] == "1"
        if on_mask and key not in days:
            holidays.append(key)
        if not on_mask and key in days:
            special.append(key)
    hours, previous = [], None
    for day, row in schedule.iterrows():
        times = [local(row["open"], tz)]
        if not pd.isna(row["break_start"]):
            times += [local(row["break_start"], tz), local(row["break_end"], tz)]
        times.append(local(row["close"], tz))
        for t in (row["open"], row["close"]):
            if t.tz_convert(tz).strftime("%Y-%m-%d") != day.strftime("%Y-%m-%d"):
                sys.exit(f"{code} {day}: a session that does not open and close on its own date")
        if times != previous:
            hours.append([day.strftime("%Y-%m-%d"), *times])
            previous = times
    return {"timeZone": tz, "weekmask": weekmask, "first": first, "last": last, "holidays": holidays, "special": special, "hours": hours}


def main():
    data = {"source": f"exchange_calendars {xc.__version__}", "exchanges": {code: exchange(code) for code in EXCHANGES}}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    summary = ", ".join(f"{c} {len(e['hours'])} hour changes, {len(e['holidays'])} holidays" for c, e in data["exchanges"].items())
    print(f"wrote {os.path.normpath(OUT)}: {summary}")


if __name__ == "__main__":
    main()
