import { describe, expect, it } from "vitest";
import { listenFlag } from "../../../src/commands/common";

describe("listening", () => {
  it("takes a port with an optional host, loopback by default", () => {
    expect(listenFlag("9464", "--metrics-port")).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(listenFlag("0.0.0.0:9464", "--metrics-port")).toEqual({ host: "0.0.0.0", port: 9464 });
    expect(listenFlag("[::1]:0", "--metrics-port")).toEqual({ host: "::1", port: 0 });
    expect(() => listenFlag("http", "--metrics-port")).toThrow(/--metrics-port http must be a port/);
    expect(() => listenFlag("70000", "--metrics-port")).toThrow(/must be a port/);
  });
});
