/**
 * The one config schema: every field with its type, default and description. The loader, `config show`,
 * `config init` and the README's reference are all generated from this file, so they cannot drift apart.
 * Objects use `.prefault({})` so that a missing section is parsed, and gets its fields' defaults.
 */
import { z } from "zod";
import { CALENDAR_NAMES, isCalendarName, MARKET_PARTS, type MarketPart, SESSION_MODES, type SessionMode } from "../model/calendar";
import { intervalProblem } from "../model/interval";
import { destinationSchemas } from "../notify/registry";
import { sourceSchemas } from "../sources/registry";
import { posInt, type SecretRule, secret, secretFields, topicName } from "../util/fields";
import { closest } from "./suggest";

export { type SecretRule, secretFields };

/** Names that end up inside CQL or SQL must be plain identifiers: nothing to escape, nothing to inject. */
const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,47}$/, "must be a lower-case identifier: a letter, then letters, digits or _ (48 at most)");
const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-_]+):\d{1,5}$/, "must be host:port, e.g. 127.0.0.1:9092");
/** Exchanges by the names people call them, for "did you mean". */
const CALENDAR_ALIASES: Record<string, string> = {
  NYSE: "XNYS",
  NASDAQ: "XNAS",
  LSE: "XLON",
  HKEX: "XHKG",
  SEHK: "XHKG",
  JPX: "XTKS",
  TSX: "XTSE",
  XETRA: "XETR",
  EURONEXT: "XPAR",
  ASX: "XASX",
};
function calendarProblem(input: unknown): string {
  const name = String(input);
  const guess = CALENDAR_ALIASES[name.toUpperCase()] ?? closest(name, CALENDAR_NAMES);
  return `must be one of ${CALENDAR_NAMES.join(", ")}${guess ? ` (did you mean ${guess}?)` : ""}`;
}

const endpoint = secret(
  z.string().regex(/^(aws|https?:\/\/\S+)$/, "must be an http(s):// URL, or `aws` for the AWS endpoint of the region"),
  "url",
);
const timeZone = z.string().refine(isTimeZone, "must be an IANA time zone such as America/New_York or Asia/Hong_Kong");
const topicTemplate = z
  .string()
  .regex(/^[A-Za-z0-9._{}-]{1,200}$/, "must be a topic name, with {topic} (and {interval}) where the names go");

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const kafka = z
  .object({
    brokers: z.array(hostPort).min(1).default(["127.0.0.1:9092"]).describe("Bootstrap brokers (host:port list)"),
    clientId: z.string().min(1).default("stockpipe").describe("Client id sent to the brokers"),
    topic: topicName.default("ticks").describe("Topic the ticks flow through"),
    partitions: posInt().max(10_000).default(6).describe("Partitions for `topic create`"),
    replicationFactor: posInt().max(32).default(1).describe("Replication factor for `topic create`"),
    connectionTimeoutMs: posInt().default(3000).describe("Time to wait for a broker connection"),
    ssl: z
      .object({
        enabled: z.boolean().default(false).describe("Connect with TLS"),
        ca: z.string().optional().describe("PEM file of the CA to trust (default: the system's)"),
        cert: z.string().optional().describe("PEM client certificate file, for mutual TLS"),
        key: z.string().optional().describe("PEM client key file, for mutual TLS"),
        rejectUnauthorized: z.boolean().default(true).describe("Verify the brokers' certificates"),
      })
      .strict()
      .prefault({}),
    sasl: z
      .object({
        mechanism: z
          .enum(["none", "plain", "scram-sha-256", "scram-sha-512", "oauthbearer", "aws-msk-iam"])
          .default("none")
          .describe(
            "SASL mechanism: a password (plain, scram-*), OAUTHBEARER with tokens from an OIDC token endpoint (oauthbearer), or Amazon MSK's IAM access control with the AWS credential chain (aws-msk-iam)",
          ),
        username: z.string().optional().describe("SASL user name (plain, scram-*)"),
        password: secret(z.string().optional().describe("SASL password (plain, scram-*; secret)")),
        oauth: z
          .object({
            tokenEndpoint: secret(
              z.url().optional().describe("OIDC token endpoint that issues the tokens (oauthbearer; client-credentials grant)"),
              "url",
            ),
            clientId: z.string().optional().describe("OAuth client id (oauthbearer)"),
            clientSecret: secret(z.string().optional().describe("OAuth client secret (oauthbearer; secret)")),
            scope: z.string().optional().describe("Scope to ask the token endpoint for (oauthbearer; optional)"),
            extensions: z
              .record(z.string().regex(/^[A-Za-z]+$/, "must be letters only (SASL extension names)"), z.string())
              .default({})
              .describe(
                "SASL extensions sent with the token, e.g. Confluent Cloud's {logicalCluster: lkc-…, identityPoolId: pool-…} (logicalCluster:lkc-1,identityPoolId:pool-2 in the environment)",
              ),
          })
          .strict()
          .prefault({}),
        region: z
          .string()
          .optional()
          .describe("AWS region of the MSK cluster (aws-msk-iam; default AWS_REGION, then the brokers' host names)"),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

const cassandra = z
  .object({
    flavor: z
      .enum(["cassandra", "keyspaces"])
      .default("cassandra")
      .describe(
        "Apache Cassandra, or Amazon Keyspaces: SigV4 with the AWS credential chain, TLS to the region's endpoint, LOCAL_QUORUM, Keyspaces' schema options and batch limit",
      ),
    region: z.string().optional().describe("AWS region of the Keyspaces endpoint (keyspaces; default AWS_REGION)"),
    contactPoints: z
      .array(hostPort)
      .min(1)
      .default(["127.0.0.1:9042"])
      .describe("Contact points (host:port list; keyspaces: default cassandra.<region>.amazonaws.com:9142)"),
    localDataCenter: z.string().min(1).default("datacenter1").describe("Data center the driver treats as local (keyspaces: the region)"),
    keyspace: identifier.default("stockpipe").describe("Keyspace of the tick tables"),
    replication: z
      .object({
        class: z.enum(["SimpleStrategy", "NetworkTopologyStrategy"]).default("SimpleStrategy").describe("Keyspace replication strategy"),
        factor: posInt().max(32).default(1).describe("Replication factor (SimpleStrategy)"),
        dataCenters: z
          .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a data center name"), posInt().max(32))
          .default({})
          .describe("Replication factor per data center (NetworkTopologyStrategy), e.g. dc1:3,dc2:3"),
      })
      .strict()
      .prefault({}),
    username: z.string().optional().describe("User name (PasswordAuthenticator)"),
    password: secret(z.string().optional().describe("Password (secret)")),
    tls: z
      .object({
        enabled: z.boolean().default(false).describe("Connect with TLS"),
        ca: z.string().optional().describe("PEM file of the CA to trust"),
        rejectUnauthorized: z.boolean().default(true).describe("Verify the nodes' certificates"),
      })
      .strict()
      .prefault({}),
    ttlSeconds: z.number().int().min(0).default(0).describe("Default TTL of tick rows in seconds (0: keep forever)"),
    bucketMinutes: z
      .number()
      .int()
      .refine((m) => m >= 1 && 1440 % m === 0, "must divide a day (1440 minutes): 1, 5, 10, 15, 30, 60, 120, …, 1440")
      .default(60)
      .describe("Minutes of the trading day per ticks partition (bounds partition size)"),
    requestTimeoutMs: posInt().default(12_000).describe("Per-request timeout"),
  })
  .strict()
  .prefault({});

const s3 = z
  .object({
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name (3-63 of a-z 0-9 . -)")
      .default("stockpipe")
      .describe("Bucket of the data lake"),
    prefix: z
      .string()
      .regex(/^([A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*)?$/, "must be key segments joined by '/', without leading or trailing '/'")
      .default("lake")
      .describe("Key prefix of the lake inside the bucket"),
    region: z.string().min(1).default("us-east-1").describe("AWS region"),
    endpoint: endpoint.default("http://127.0.0.1:9000").describe("S3 endpoint URL, or `aws` for AWS itself (default: the local stack)"),
    forcePathStyle: z.boolean().default(true).describe("Path-style addressing (needed by most S3-compatible servers)"),
    accessKeyId: z.string().optional().describe("Access key id (default: the local stack's, or the AWS credential chain)"),
    secretAccessKey: secret(z.string().optional().describe("Secret access key (secret)")),
    sessionToken: secret(z.string().optional().describe("Session token (secret)")),
    fileFormat: z.enum(["parquet", "jsonl"]).default("parquet").describe("Format of the lake's files"),
    compression: z.enum(["zstd", "snappy"]).default("zstd").describe("Parquet compression"),
    partitionBy: z
      .enum(["day", "month", "year"])
      .default("day")
      .describe("Granularity of the lake's dt= partitions: day (dt=YYYY-MM-DD), month (YYYY-MM) or year (YYYY) of the trading day"),
  })
  .strict()
  .prefault({});

const athena = z
  .object({
    region: z.string().min(1).default("us-east-1").describe("AWS region of Athena and Glue"),
    workgroup: z.string().min(1).default("primary").describe("Athena workgroup"),
    database: identifier.default("stockpipe").describe("Glue/Athena database"),
    table: identifier.default("ticks").describe("Table over the lake's ticks"),
    barsTable: identifier.default("bars").describe("Table over the lake's bars (partitioned by interval and dt)"),
    alertsTable: identifier.default("alerts").describe("Table over the lake's alerts"),
    outputLocation: z
      .string()
      .regex(/^s3:\/\/[^/]+(\/.*)?$/, "must be an s3:// URL")
      .optional()
      .describe("Where Athena writes results (s3://bucket/path/); default: the workgroup's setting"),
    endpoint: endpoint.default("aws").describe("Athena endpoint URL, or `aws`"),
    glueEndpoint: endpoint.default("aws").describe("Glue endpoint URL, or `aws` (for schema athena --glue-crawler)"),
    crawlerRole: z.string().optional().describe("IAM role ARN the Glue crawler runs as (schema athena --glue-crawler)"),
  })
  .strict()
  .prefault({});

const producer = z
  .object({
    batchSize: posInt().max(100_000).default(2000).describe("Messages per produce request"),
    lingerMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(0)
      .describe("Longest wait to fill a batch (0: none; batches fill while a request is in flight)"),
    maxInFlight: posInt().max(64).default(4).describe("Produce requests in flight at once"),
    acks: z.enum(["all", "leader", "none"]).default("all").describe("Acknowledgement required per batch"),
    idempotent: z.boolean().default(false).describe("Idempotent producer (no duplicates from retries)"),
    compression: z.enum(["none", "gzip"]).default("none").describe("Compression of produce requests"),
    bufferMax: posInt().default(30_000).describe("Ticks buffered while the broker is away before reading pauses"),
    workers: z
      .number()
      .int()
      .min(0)
      .max(16)
      .default(2)
      .describe("Worker threads running kafkajs when sending unpaced or above 20,000 ticks/s (0: always the main thread)"),
  })
  .strict()
  .prefault({});

const consumer = z
  .object({
    group: z.string().min(1).optional().describe("Consumer group (default: stockpipe-<sink>)"),
    from: z.string().min(1).default("earliest").describe("Where a new group starts: earliest, latest or an ISO time"),
    batchSize: posInt().max(100_000).default(10_000).describe("Rows per sink write"),
    concurrency: posInt().max(1024).default(64).describe("Sink writes in flight at once"),
    partitionsConcurrently: posInt().max(64).default(8).describe("Kafka partitions processed in parallel"),
    maxMessageBytes: posInt()
      .default(64 * 1024)
      .describe("A larger message goes to the DLQ as oversized"),
    fetchMaxBytes: posInt()
      .default(4 * 1024 * 1024)
      .describe("Bytes a fetch from Kafka returns at most, all partitions together (bounds the consumer's memory)"),
    fetchMaxBytesPerPartition: posInt()
      .default(1024 * 1024)
      .describe("Bytes a fetch returns at most per partition"),
    writeAheadBytes: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        "Bytes of fetched records written while the next fetch proceeds, at most; 0 (the default): each batch is written before the next fetch — on a host short of CPU, writing ahead only moves the wait from the fetch to the write (docs/performance.md)",
      ),
    decodeThreads: z
      .number()
      .int()
      .min(0)
      .max(16)
      .default(0)
      .describe(
        "S3: threads that parse and validate ticks beside the main one, which then only fetches and writes; 0 (the default): all on the main thread (docs/performance.md)",
      ),
    flushRows: posInt().default(100_000).describe("S3: rows per Parquet file before it is rotated"),
    flushBytes: posInt()
      .default(64 * 1024 * 1024)
      .describe("S3: bytes per file before it is rotated"),
    flushIdleMs: posInt().default(10_000).describe("S3: flush a partition idle for this long"),
  })
  .strict()
  .prefault({});

const feeds = z
  .object({
    silenceMs: posInt()
      .default(30_000)
      .describe("A feed's socket with no frame and no pong for this long is replaced; no frame, for a feed with a heartbeat (coinbase)"),
    pingMs: posInt().default(10_000).describe("A WebSocket ping to each feed this often"),
    subscribeTimeoutMs: posInt().default(10_000).describe("How long a feed may take to confirm its subscription before it is tried again"),
    backoffMs: posInt().default(500).describe("First delay before a feed reconnects; it doubles, with jitter, up to feeds.maxBackoffMs"),
    maxBackoffMs: posInt().default(30_000).describe("Longest delay before a feed reconnects"),
    maxFrameBytes: posInt()
      .default(16 * 1024 * 1024)
      .describe("A larger frame closes the feed's connection (it is replaced)"),
    dedupWindow: posInt()
      .default(10_000)
      .describe("Ids of the latest ticks a feed remembers, to skip trades it is sent again after a reconnection"),
    repair: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            "Fetch the trades of a feed's gap from the venue's trade history (coinbase, binance, kraken, alpaca); off: gaps are only reported",
          ),
        maxTrades: posInt().default(100_000).describe("The most trades one gap's repair fetches; the rest stay reported as missing"),
        maxSeconds: posInt()
          .default(20)
          .describe("The longest one gap's repair may take, waits the venue asks for included; the feed's frames wait meanwhile"),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

/** One source of a `produce` that runs several: its kind, its kit's options, and the topic its ticks go to. */
const sourceEntry = z.discriminatedUnion(
  "kind",
  sourceSchemas({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 letters, digits, '.', '_' or '-'")
      .optional(),
    topic: topicName.optional(),
  }),
);
export type SourceEntry = z.infer<typeof sourceEntry>;

const market = z
  .object({
    timeZone: timeZone.default("America/New_York").describe("Time zone of the trading day (Cassandra day, lake dt)"),
    calendar: z
      .string()
      .refine(isCalendarName, { error: (issue) => calendarProblem(issue.input) })
      .default("24x7")
      .describe(
        "Exchange calendar of the trading sessions: 1d bars, openingGap, the board's change (XNYS, XNAS, XLON, XHKG, XTKS, …; 24x7: every day, midnight to midnight)",
      ),
    calendars: z
      .record(
        z.string().regex(/^[A-Z0-9^*][A-Z0-9.^=_:/*-]{0,31}$/, "must be a symbol, or a pattern with * such as *.HK"),
        z.string().refine(isCalendarName, { error: (issue) => calendarProblem(issue.input) }),
      )
      .default({})
      .describe(
        "Symbols (or patterns such as *.HK) on another calendar than market.calendar: {HSI: XHKG} in a file, HSI:XHKG,*.HK:XHKG in the environment",
      ),
    maxFutureMs: z
      .number()
      .int()
      .min(0)
      .default(300_000)
      .describe(
        "How far ahead of the wall clock a tick's ts may be: a later one is rejected by produce and sent to the DLQ by analyze, so it never moves a watermark",
      ),
  })
  .strict()
  .prefault({});

const interval = z.string().superRefine((v, ctx) => {
  const problem = intervalProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const severity = z.enum(["info", "warning", "critical"]).default("warning");

const analytics = z
  .object({
    group: z.string().min(1).default("stockpipe-analyze").describe("Consumer group of `analyze`"),
    intervals: z
      .array(interval)
      .min(1)
      .default(["1m", "5m", "1d"])
      .describe("Bar intervals: durations that divide a day (1s, 5s, 1m, 5m, 15m, 1h, …) and 1d, the trading day in market.timeZone"),
    sessions: z
      .enum(SESSION_MODES as [SessionMode, ...SessionMode[]])
      .default("regular")
      .describe("What a 1d bar and openingGap count: regular hours, extended (with pre- and post-market), or all (the calendar day)"),
    latenessMs: z
      .number()
      .int()
      .min(0)
      .max(86_400_000)
      .default(2000)
      .describe("How far behind the largest event time seen a tick may arrive and still count; older ticks go to <topic>.late"),
    barsTopic: topicTemplate
      .default("{topic}.bars.{interval}")
      .describe("Topic of the bars of each interval ({topic}: the tick topic, {interval}: 1m, 1d, …)"),
    alertsTopic: topicTemplate.default("{topic}.alerts").describe("Topic of the alerts ({topic}: the tick topic)"),
    lateTopic: topicTemplate.default("{topic}.late").describe("Topic of the late ticks ({topic}: the tick topic)"),
    transactionTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(900_000)
      .default(30_000)
      .describe("Kafka transaction timeout: how long a crashed process's open transaction holds back read_committed readers"),
    rules: z
      .object({
        priceMove: z
          .object({
            enabled: z.boolean().default(true).describe("Alert on a price move within a window"),
            interval: interval.default("1m").describe("The window of priceMove (aligned like bars)"),
            percent: z.number().positive().default(2).describe("Smallest move, in percent, from the window's low or high"),
            severity: severity.describe("Severity of priceMove alerts"),
          })
          .strict()
          .prefault({}),
        volumeSpike: z
          .object({
            enabled: z.boolean().default(true).describe("Alert on a bar with unusual volume"),
            interval: interval.default("1m").describe("Bars of volumeSpike (computed for the rule even when not in analytics.intervals)"),
            factor: z.number().positive().default(5).describe("Smallest ratio of the bar's volume to the mean of the previous bars"),
            lookback: posInt().max(1000).default(20).describe("Previous bars the mean is taken over"),
            severity: severity.describe("Severity of volumeSpike alerts"),
          })
          .strict()
          .prefault({}),
        zScore: z
          .object({
            enabled: z.boolean().default(true).describe("Alert on an outlying tick-to-tick return"),
            window: z.number().int().min(2).max(1000).default(50).describe("Previous returns the z-score is taken over"),
            threshold: z.number().positive().default(8).describe("Smallest |z| that fires"),
            severity: severity.describe("Severity of zScore alerts"),
          })
          .strict()
          .prefault({}),
        openingGap: z
          .object({
            enabled: z.boolean().default(true).describe("Alert when a trading day opens away from the previous close"),
            percent: z.number().positive().default(3).describe("Smallest gap, in percent, between the previous close and the first tick"),
            severity: severity.describe("Severity of openingGap alerts"),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

const dashboard = z
  .object({
    host: z.string().min(1).default("127.0.0.1").describe("Address `dashboard` listens on; anything but loopback requires an access token"),
    port: z.number().int().min(0).max(65_535).default(8080).describe("Port of `dashboard` (0: any free port)"),
    interval: interval
      .default("1m")
      .describe("Bar interval the chart shows: any interval analyze computes (its bars topic is waited for until it exists)"),
    history: z
      .enum(["kafka", "cassandra"])
      .default("kafka")
      .describe(
        "Where the chart's earlier bars come from: the bars topic, or Cassandra's bars table (where `consume` stores the bars topic)",
      ),
    token: secret(
      z.string().min(16).optional().describe("Access token of the page (secret); generated and printed when needed and not set"),
    ),
    url: z
      .string()
      .url()
      .register(secretFields, { secret: "url" })
      .optional()
      .describe("The page's address as its users reach it (behind a proxy, say): alert messages link to the symbol's chart there"),
  })
  .strict()
  .prefault({});

/** Where `notify` delivers: a destination kind's entry (notify/registry.ts), named in routes. Secrets come from the environment. */
const destination = z.discriminatedUnion("kind", destinationSchemas());

const notify = z
  .object({
    group: z.string().min(1).default("stockpipe-notify").describe("Consumer group of `notify`"),
    groupWindowMs: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe("Alerts for one destination arriving within this long of the first go out as one message (0: each alone)"),
    cooldownMs: z
      .number()
      .int()
      .min(0)
      .default(300_000)
      .describe(
        "A repeat of a rule and symbol within this long (event time) of the last one sent to a destination is left out and counted",
      ),
    retryForMs: posInt()
      .default(600_000)
      .describe("How long a destination answering 429, 5xx or nothing is retried before the alert goes to <topic>.alerts.dlq"),
    destinations: z
      .record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 letters, digits, '.', '_' or '-'"), destination)
      .default({})
      .describe(
        "Named destinations: kind slack, teams, discord or webhook with urlEnv (or url), a webhook's secretEnv; kind email with host, port, user, passwordEnv, from, to, caFile; ratePerMinute",
      ),
    routes: z
      .array(
        z
          .object({
            rules: z.array(z.string().min(1)).optional(),
            severities: z.array(z.enum(["info", "warning", "critical"])).optional(),
            symbols: z.array(z.string().min(1)).optional(),
            sessions: z.array(z.enum(MARKET_PARTS as [MarketPart, ...MarketPart[]])).optional(),
            to: z.array(z.string().min(1)).min(1),
          })
          .strict(),
      )
      .default([])
      .describe(
        "Which alerts go where: each route selects by rules, severities, symbol patterns (BTC-*) and sessions (pre, regular, post, closed on the symbol's calendar) and names destinations in `to`",
      ),
  })
  .strict()
  .prefault({});

const local = z
  .object({
    dir: z.string().min(1).default("~/.stockpipe/local").describe("State, data and logs of the local stack"),
    profile: z
      .enum(["default", "secure", "cluster"])
      .default("default")
      .describe(
        "Which local stack `local` commands act on: default (plaintext), secure (TLS, SASL/SCRAM, passwords; ports +100) or cluster (three Kafka brokers; ports +200)",
      ),
    kafkaVersion: z
      .enum(["4.4", "3.9"])
      .default("4.4")
      .describe(
        "Apache Kafka line the local stack runs: 4.4 (4.4.0) or 3.9 (3.9.2). A stack's data written by 3.9 is upgraded in place by 4.4; 4.4's data cannot go back to 3.9",
      ),
    oauth: z
      .object({
        jwksUrl: z
          .url()
          .register(secretFields, { secret: "url" })
          .optional()
          .describe(
            "The secure profile's Kafka also accepts SASL/OAUTHBEARER tokens signed by a key of this JWKS (an OIDC provider's jwks_uri), checked by Kafka's own validator",
          ),
        audience: z.string().min(1).default("kafka").describe("Audience (aud) the secure profile's Kafka expects in OAUTHBEARER tokens"),
        issuer: z
          .string()
          .optional()
          .describe(
            "Issuer (iss) the secure profile's Kafka expects in OAUTHBEARER tokens (default: the JWKS URL's origin, e.g. https://idp.example.com)",
          ),
      })
      .strict()
      .prefault({}),
    kafkaPort: posInt().max(65_000).default(9092).describe("Local Kafka port (the default profile's; its controller takes the next)"),
    cassandraPort: posInt().max(65_000).default(9042).describe("Local Cassandra CQL port (the default profile's)"),
    cassandraStoragePort: posInt()
      .max(65_000)
      .default(7000)
      .describe("Local Cassandra's inter-node storage port (the default profile's; a second stack beside another needs its own)"),
    s3Port: posInt().max(65_000).default(9000).describe("Local S3 server port (the default profile's)"),
  })
  .strict()
  .prefault({});

const log = z
  .object({
    level: z.enum(["error", "warn", "info", "debug"]).default("info").describe("Log level (debug adds stack traces)"),
  })
  .strict()
  .prefault({});

export const configSchema = z
  .object({
    kafka,
    cassandra,
    s3,
    athena,
    producer,
    feeds,
    sources: z
      .array(sourceEntry)
      .default([])
      .describe("Sources one `produce` runs together (when --source is not given): each with its kind, symbols, topic and options"),
    consumer,
    analytics,
    dashboard,
    notify,
    market,
    local,
    log,
  })
  .strict()
  .superRefine((c, ctx) => {
    const named = new Set(Object.keys(c.notify.destinations));
    for (const [i, r] of c.notify.routes.entries())
      for (const [j, d] of r.to.entries())
        if (!named.has(d))
          ctx.addIssue({
            code: "custom",
            path: ["notify", "routes", i, "to", j],
            message: `names no destination of notify.destinations (${[...named].join(", ") || "none defined"})`,
          });
    if (c.kafka.sasl.mechanism === "oauthbearer") {
      for (const key of ["tokenEndpoint", "clientId", "clientSecret"] as const) {
        if (!c.kafka.sasl.oauth[key]) {
          ctx.addIssue({
            code: "custom",
            path: ["kafka", "sasl", "oauth", key],
            message: "is required when kafka.sasl.mechanism is oauthbearer",
          });
        }
      }
    }
    if (["plain", "scram-sha-256", "scram-sha-512"].includes(c.kafka.sasl.mechanism)) {
      for (const key of ["username", "password"] as const) {
        if (!c.kafka.sasl[key]) {
          ctx.addIssue({
            code: "custom",
            path: ["kafka", "sasl", key],
            message: `is required when kafka.sasl.mechanism is ${c.kafka.sasl.mechanism}`,
          });
        }
      }
    }
    const r = c.cassandra.replication;
    if (r.class === "NetworkTopologyStrategy" && Object.keys(r.dataCenters).length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["cassandra", "replication", "dataCenters"],
        message: "needs at least one data center with NetworkTopologyStrategy, e.g. dc1:3",
      });
    }
    if (Boolean(c.cassandra.username) !== Boolean(c.cassandra.password)) {
      ctx.addIssue({
        code: "custom",
        path: ["cassandra", c.cassandra.username ? "password" : "username"],
        message: "cassandra.username and cassandra.password go together",
      });
    }
    if (Boolean(c.s3.accessKeyId) !== Boolean(c.s3.secretAccessKey)) {
      ctx.addIssue({
        code: "custom",
        path: ["s3", c.s3.accessKeyId ? "secretAccessKey" : "accessKeyId"],
        message: "s3.accessKeyId and s3.secretAccessKey go together",
      });
    }
  });

/** What users write: every field optional. */
export type Config = z.input<typeof configSchema>;
/** What commands get: every default applied, every rule checked. */
export type ResolvedConfig = z.output<typeof configSchema>;
