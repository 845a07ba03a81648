import { Option, type Command } from "commander";
import { commandContext, flag } from "./context";
import { examples } from "./options";

export function registerProduce(program: Command): void {
  program
    .command("produce")
    .description("stream ticks into Kafka from a CSV file, the market simulator or an HTTP quote feed")
    .addOption(new Option("-s, --source <source>", "where ticks come from").choices(["csv", "synthetic", "http"]).default("csv"))
    .option("--topic <topic>", "topic to produce to (default: kafka.topic)")
    .option("--create-topic", "create the topic if it does not exist (kafka.partitions, kafka.replicationFactor)")
    .optionsGroup("CSV replay:")
    .option("--file <path>", "CSV file to replay; - reads stdin")
    .option("--symbol <sym>", "symbol for files without a symbol column (Yahoo Finance exports)")
    .option("--map <field=column,…>", "map columns to tick fields (csv), or fields to dotted JSON paths (http)")
    .option("--speed <n|max>", "keep the file's gaps between ticks, n times faster; max sends at once", "max")
    .option("--loop", "start again at the end of the file (event times continue forward)")
    .option("--from <date>", "skip ticks before this date/time (market time zone)")
    .option("--to <date>", "skip ticks after this date/time (a date includes the whole day)")
    .optionsGroup("Market simulator:")
    .option("--symbols <list|n>", "tickers (AAPL,MSFT,…) or a number of generated ones (synthetic, http)")
    .option("--seed <n>", "make the simulated stream reproducible byte for byte")
    .option("--start <iso>", "event time of the first simulated tick (default: now, or 2024-01-02T14:30Z with --seed)")
    .optionsGroup("HTTP feed:")
    .option("--url <url>", "quote endpoint; {symbol} or {symbols} and {apiKey} are filled in")
    .option("--interval <duration>", "time between polls", "2s")
    .addOption(new Option("--shape <shape>", "response layout").choices(["auto", "yahoo", "finnhub", "alphavantage", "generic"]).default("auto"))
    .option("--records <path>", "dotted path to the array of quotes in the response (generic shape)")
    .option("--api-key-env <name>", "environment variable holding the API key (never put the key itself on the command line)")
    .option("--api-key-header <name>", "send the key in this header instead of the URL's {apiKey}")
    .optionsGroup("Flow and delivery:")
    .option("--rate <n>", "at most n ticks per second (synthetic: also the simulated pace, default 1000)")
    .option("--limit <n>", "stop after n ticks")
    .option("--duration <time>", "stop after this long, e.g. 30s, 5m")
    .option("--batch-size <n>", "messages per produce request (producer.batchSize)")
    .option("--linger-ms <n>", "longest wait to fill a batch (producer.lingerMs)")
    .option("--max-in-flight <n>", "produce requests in flight (producer.maxInFlight)")
    .addOption(new Option("--acks <acks>", "acknowledgement per batch (producer.acks)").choices(["all", "leader", "none"]))
    .option("--idempotent", "idempotent producer: no duplicates from retries (one request in flight)")
    .addOption(new Option("--compression <codec>", "compression (producer.compression)").choices(["none", "gzip"]))
    .optionsGroup("Bad input and output:")
    .option("--reject-file <path>", 'write every rejected row as a JSON line {"line","reason","raw"}')
    .option("--strict", "stop at the first bad row (exit 1)")
    .option("--dry-run", "send nothing; write the encoded ticks to stdout as JSON lines")
    .addOption(new Option("-f, --format <format>", "summary format").choices(["table", "json"]).default("table"))
    .addHelpText(
      "after",
      examples(
        "stockpipe produce --file ../shared/data/indexProcessed-HSI.csv",
        "stockpipe produce --file prices.csv --symbol AAPL --speed 3600 --reject-file rejects.jsonl",
        "cat ticks.csv | stockpipe produce --file - --map symbol=Ticker,ts=Time,price=Last",
        "stockpipe produce --source synthetic --symbols 500 --rate 20000 --duration 1m",
        "stockpipe produce --source synthetic --symbols AAPL,MSFT --seed 42 --limit 1000 --dry-run",
        "FINNHUB_KEY=… stockpipe produce --source http --url 'https://finnhub.io/api/v1/quote?symbol={symbol}' --api-key-env FINNHUB_KEY --api-key-header X-Finnhub-Token --symbols AAPL,MSFT --interval 5s",
      ) +
        "\nEvery tick is tick v1 JSON keyed by symbol. Ctrl-C stops reading, flushes what is buffered, prints the summary and exits 130.\n",
    )
    .action(async (opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const ctx = commandContext(cmd, [
        ...flag("kafka.topic", opts.topic, "--topic"),
        ...flag("producer.batchSize", opts.batchSize, "--batch-size"),
        ...flag("producer.lingerMs", opts.lingerMs, "--linger-ms"),
        ...flag("producer.maxInFlight", opts.maxInFlight, "--max-in-flight"),
        ...flag("producer.acks", opts.acks, "--acks"),
        ...flag("producer.idempotent", opts.idempotent, "--idempotent"),
        ...flag("producer.compression", opts.compression, "--compression"),
      ]);
      const { produce } = await import("../actions/produce");
      await produce(ctx, opts as unknown as import("../actions/produce").ProduceFlags);
    });
}
