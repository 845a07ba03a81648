/**
 * Node's warnings that say nothing a user can act on. kafkajs 2.2.4 schedules its request queue's check with a
 * delay of `throttledUntil - Date.now()`, which before any throttling is minus the epoch time: Node 24 warns
 * "TimeoutNegativeWarning: -17… is a negative number" on every Kafka connection (kafkajs issue #1751, unfixed in
 * its last release) and runs the timer after 1 ms, as kafkajs means it to. Every other warning is shown as before.
 */
const QUIET = new Set(["TimeoutNegativeWarning"]);

let installed = false;

/** Drops the warnings in QUIET from this thread's process.emitWarning (once per thread). */
export function quietKnownWarnings(): void {
  if (installed) return;
  installed = true;
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const name = typeof warning === "string" ? type : warning.name;
    if (name && QUIET.has(name)) return;
    return (emit as (...a: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
