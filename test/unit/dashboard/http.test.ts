import { describe, expect, it } from "vitest";
import { isLoopback } from "../../../src/dashboard/http";

describe("the dashboard's address", () => {
  it("needs a token anywhere but on loopback", () => {
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("localhost")).toBe(true);
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("0.0.0.0")).toBe(false);
    expect(isLoopback("192.168.1.5")).toBe(false);
  });
});
