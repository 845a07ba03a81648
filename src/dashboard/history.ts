/**
 * A symbol's bars before the page opened: from Cassandra's `bars` table (the trading day of the symbol's latest
 * tick and the days before it), or from the bars topic as the dashboard has read it. When Cassandra does not
 * answer, the history says why and the page goes on with live bars only.
 */
import type cassandra from "cassandra-driver";
import type { LoadedConfig } from "../config/loader";
import { errorMessage } from "../errors";
import type { Bar } from "../model/bar";
import { dayWindow } from "../model/interval";
import { tradingDay } from "../model/time";
import { createCassandraClient } from "../sinks/cassandra/client";
import { presentAddedColumns } from "../sinks/cassandra/columns";
import { barFromRow, barSelect } from "../sinks/cassandra/rows";
import type { BarStore } from "./state";

export type HistoryName = "cassandra" | "kafka";

export interface History {
  source: HistoryName;
  bars: Bar[];
  /** Set when the history could not be read: why. */
  unavailable?: string;
}

export interface HistorySource {
  readonly name: HistoryName;
  bars(symbol: string, interval: string, latestMs: number | undefined): Promise<History>;
  close(): Promise<void>;
}

/** The bars the dashboard has read from the bars topic. */
export function kafkaHistory(store: BarStore): HistorySource {
  return {
    name: "kafka",
    bars: async (symbol) => ({ source: "kafka", bars: store.of(symbol) }),
    close: async () => {},
  };
}

/** How many trading days back the Cassandra history reaches from the symbol's latest tick. */
const DAYS_BACK = 3;

export function cassandraHistory(loaded: LoadedConfig, keep = 1000): HistorySource {
  const config = loaded.config;
  const ks = config.cassandra.keyspace;
  const endpoint = config.cassandra.contactPoints.join(",");
  let client: cassandra.Client | undefined;
  /** The SELECT list of bars, as the live table has them. */
  let select = "";
  const connect = async () => {
    if (client) return client;
    const c = createCassandraClient(config, { connectTimeoutMs: 3000 });
    try {
      await c.connect();
      select = barSelect(await presentAddedColumns(c, ks));
    } catch (err) {
      await c.shutdown().catch(() => {});
      throw err;
    }
    client = c;
    return c;
  };
  return {
    name: "cassandra",
    async bars(symbol, interval, latestMs) {
      const tz = config.market.timeZone;
      let day = tradingDay(latestMs ?? Date.now(), tz);
      const days: string[] = [];
      for (let i = 0; i < DAYS_BACK; i++) {
        days.push(day);
        day = tradingDay(dayWindow(day, tz).start - 1, tz);
      }
      try {
        const c = await connect();
        const rows = (
          await c.execute(`SELECT ${select} FROM ${ks}.bars WHERE symbol = ? AND interval = ? AND day IN ?`, [symbol, interval, days], {
            prepare: true,
            fetchSize: keep,
          })
        ).rows;
        const bars = rows.map(barFromRow).sort((a, b) => (a.start < b.start ? -1 : 1));
        return { source: "cassandra", bars: bars.slice(-keep) };
      } catch (err) {
        const c = client;
        client = undefined;
        await c?.shutdown().catch(() => {});
        return {
          source: "cassandra",
          bars: [],
          unavailable: `history unavailable: Cassandra at ${endpoint}: ${errorMessage(err).split("\n")[0]}`,
        };
      }
    },
    async close() {
      await client?.shutdown().catch(() => {});
    },
  };
}
