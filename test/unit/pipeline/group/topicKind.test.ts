import { describe, expect, it } from "vitest";
import { meantTopic } from "../../../../src/pipeline/group/topicKind";

describe("the topic a user most likely meant", () => {
  const existing = ["ticks", "ticks.alerts", "ticks.bars.1m", "ticks.bars.5m", "ticks.dlq", "quotes"];
  it("names the alerts topic for an alert reader pointed at the ticks, and the ticks for a tick reader pointed at a derived topic", () => {
    expect(meantTopic("ticks", ["alert"], existing)).toBe("ticks.alerts");
    expect(meantTopic("ticks.alerts", ["tick"], existing)).toBe("ticks");
    expect(meantTopic("ticks.bars.5m", ["tick"], existing)).toBe("ticks");
    expect(meantTopic("ticks.dlq", ["tick"], existing)).toBe("ticks");
    expect(meantTopic("ticks", ["bar"], existing)).toBe("ticks.bars.1m");
  });
  it("names none that does not exist", () => {
    expect(meantTopic("quotes", ["alert"], existing)).toBeUndefined();
    expect(meantTopic("other.alerts", ["tick"], existing)).toBeUndefined();
  });
});
