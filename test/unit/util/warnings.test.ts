import { describe, expect, it } from "vitest";
import { quietKnownWarnings } from "../../../src/util/warnings";

describe("quietKnownWarnings", () => {
  it("drops kafkajs' negative-timeout warning and lets every other warning through", async () => {
    const seen: string[] = [];
    const listen = (w: Error) => seen.push(`${w.name}: ${w.message}`);
    process.on("warning", listen);
    try {
      quietKnownWarnings();
      quietKnownWarnings();
      process.emitWarning("-1796665698940 is a negative number.\nTimeout duration was set to 1.", "TimeoutNegativeWarning");
      process.emitWarning("-5 is a negative number.", { type: "TimeoutNegativeWarning" });
      process.emitWarning("something else", "DeprecationWarning", "DEP0999");
      process.emitWarning(new Error("a plain one"));
      await new Promise((r) => setImmediate(r));
      expect(seen).toEqual(["DeprecationWarning: something else", "Error: a plain one"]);
    } finally {
      process.off("warning", listen);
    }
  });
});
