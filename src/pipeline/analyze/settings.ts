/** The analytics settings from the one config: intervals parsed, rules that are switched off left out. */

import type { AnalyticsSettings } from "../../analytics/partition";
import type { ResolvedConfig } from "../../config/schema";
import { CalendarBook } from "../../model/calendar";
import { type Interval, parseInterval } from "../../model/interval";

export function analyticsSettings(config: ResolvedConfig): AnalyticsSettings {
  const a = config.analytics;
  const intervals: Interval[] = [];
  for (const text of a.intervals) {
    const iv = parseInterval(text);
    if (!intervals.some((x) => x.name === iv.name)) intervals.push(iv);
  }
  const emit = new Set(intervals.map((i) => i.name));
  const r = a.rules;
  // volumeSpike's bars are kept for the rule even when they are not output.
  if (r.volumeSpike.enabled) {
    const iv = parseInterval(r.volumeSpike.interval);
    if (!emit.has(iv.name)) intervals.push(iv);
  }
  return {
    intervals,
    emit,
    latenessMs: a.latenessMs,
    timeZone: config.market.timeZone,
    calendars: CalendarBook.forMarket(config.market),
    sessions: a.sessions,
    rules: {
      priceMove: r.priceMove.enabled
        ? { interval: parseInterval(r.priceMove.interval), percent: r.priceMove.percent, severity: r.priceMove.severity }
        : undefined,
      volumeSpike: r.volumeSpike.enabled
        ? {
            interval: parseInterval(r.volumeSpike.interval),
            factor: r.volumeSpike.factor,
            lookback: r.volumeSpike.lookback,
            severity: r.volumeSpike.severity,
          }
        : undefined,
      zScore: r.zScore.enabled ? { window: r.zScore.window, threshold: r.zScore.threshold, severity: r.zScore.severity } : undefined,
      openingGap: r.openingGap.enabled ? { percent: r.openingGap.percent, severity: r.openingGap.severity } : undefined,
    },
  };
}

/** The bars topic of one interval of a tick topic, whatever intervals the config lists (analyze may be run with others). */
export function barsTopicName(config: ResolvedConfig, topic: string, interval: string): string {
  return config.analytics.barsTopic.replaceAll("{topic}", topic).replaceAll("{interval}", interval);
}

/** The output topics of a tick topic. */
export function outputTopics(config: ResolvedConfig, topic: string, intervals: readonly Interval[]) {
  intervals = intervals.filter((iv) => config.analytics.intervals.some((text) => parseInterval(text).name === iv.name));
  const a = config.analytics;
  const fill = (template: string, interval = "") => template.replaceAll("{topic}", topic).replaceAll("{interval}", interval);
  return {
    bars: new Map(intervals.map((iv) => [iv.name, fill(a.barsTopic, iv.name)])),
    alerts: fill(a.alertsTopic),
    late: fill(a.lateTopic),
  };
}
