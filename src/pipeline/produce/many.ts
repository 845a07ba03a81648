/**
 * Several sources in one `produce` (the config's `sources:` list): each its own produce run — its source, its
 * producer, its topic — side by side. One that fails (a refused key, an unreachable feed that gives up) ends with
 * its error; the others stream on. What each did comes back by name.
 */
import type { LoadedConfig } from "../../config/loader";
import type { SourceEntry } from "../../config/schema";
import { asStockpipeError, type StockpipeError } from "../../errors";
import type { SourceSpec } from "../../sources/registry";
import { type ProduceEvents, type ProduceOptions, type ProduceResult, produce } from "./produce";

export interface NamedSource {
  name: string;
  topic: string;
  spec: SourceSpec;
}

export type SourceOutcome = NamedSource & ({ ok: true; result: ProduceResult } | { ok: false; error: StockpipeError });

/** The config's entries as named specs: names default to the kind (numbered when a kind repeats), topics to kafka.topic. */
export function configuredSources(entries: readonly SourceEntry[], defaultTopic: string): NamedSource[] {
  const seen = new Map<string, number>();
  return entries.map((e) => {
    const n = (seen.get(e.kind) ?? 0) + 1;
    seen.set(e.kind, n);
    const repeats = entries.filter((x) => x.kind === e.kind).length > 1;
    const { name, topic, ...spec } = e;
    return { name: name ?? (repeats ? `${e.kind}-${n}` : e.kind), topic: topic ?? defaultTopic, spec: spec as SourceSpec };
  });
}

/** Runs every source until each ends (its input, the limit, the deadline, the signal) or fails. */
export async function produceMany(
  loaded: LoadedConfig,
  sources: NamedSource[],
  flow: Omit<ProduceOptions, "source" | "topic" | "rejectFile" | "sendTo" | "speed">,
  events: (source: NamedSource) => ProduceEvents = () => ({}),
): Promise<SourceOutcome[]> {
  const runs = sources.map((s) =>
    produce(loaded, { ...flow, source: s.spec, topic: s.topic, name: s.name }, events(s)).then(
      (result): SourceOutcome => ({ ...s, ok: true, result }),
      (err): SourceOutcome => ({ ...s, ok: false, error: asStockpipeError(err, `produce from ${s.name}`) }),
    ),
  );
  return Promise.all(runs);
}
