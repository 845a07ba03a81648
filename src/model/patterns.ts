/** Symbol patterns, as routes and calendars take them: `*` matches any run of characters, every other one itself. */

/** `["BTC-*", "*.HK"]` → /^(?:BTC-.*|.*\.HK)$/. */
export function symbolPattern(patterns: string[]): RegExp {
  const one = (p: string) =>
    p
      .split("*")
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
  return new RegExp(`^(?:${patterns.map(one).join("|")})$`);
}
