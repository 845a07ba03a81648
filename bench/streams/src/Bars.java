// The Kafka Streams comparator of `npm run bench:streams`: the same 1-minute OHLCV/VWAP bars as `stockpipe
// analyze`, written as a Kafka Streams user would — event-time tumbling windows on each tick's own `ts`, a 2 s
// grace (analyze's default lateness), final results only (suppress until the window closes) and exactly_once_v2.
// Usage: java -cp <classpath>:<classes> Bars <bootstrap> <input topic> <output topic> <application id>
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;

public final class Bars {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A tick's event time is its `ts`, not the record's Kafka timestamp. */
  public static final class TickTime implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
      try {
        JsonNode t = JSON.readTree((String) record.value());
        return Instant.parse(t.get("ts").asText()).toEpochMilli();
      } catch (Exception e) {
        return -1; // Not a tick: Kafka Streams drops records with a negative timestamp.
      }
    }
  }

  /** The running bar of a window: open and close by event time, high, low, volume, price × volume, trades. */
  public static final class Bar {
    public double open, high = Double.NEGATIVE_INFINITY, low = Double.POSITIVE_INFINITY, close, volume, notional;
    public long trades, openTs = Long.MAX_VALUE, closeTs = Long.MIN_VALUE;

    Bar add(JsonNode tick) {
      double price = tick.get("price").asDouble();
      double vol = tick.path("volume").asDouble(0);
      long ts = Instant.parse(tick.get("ts").asText()).toEpochMilli();
      if (ts < openTs) { openTs = ts; open = price; }
      if (ts >= closeTs) { closeTs = ts; close = price; }
      high = Math.max(high, price);
      low = Math.min(low, price);
      volume += vol;
      notional += price * vol;
      trades++;
      return this;
    }
  }

  static <T> Serde<T> jsonSerde(Class<T> type) {
    Serializer<T> ser = (topic, value) -> {
      try { return JSON.writeValueAsBytes(value); } catch (Exception e) { throw new RuntimeException(e); }
    };
    Deserializer<T> de = (topic, bytes) -> {
      try { return bytes == null ? null : JSON.readValue(bytes, type); } catch (Exception e) { throw new RuntimeException(e); }
    };
    return Serdes.serdeFrom(ser, de);
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], input = args[1], output = args[2], appId = args[3];
    Serde<Bar> barSerde = jsonSerde(Bar.class);
    Serde<JsonNode> tickSerde = jsonSerde(JsonNode.class);

    StreamsBuilder builder = new StreamsBuilder();
    builder
        .stream(input, Consumed.with(Serdes.String(), Serdes.String()).withTimestampExtractor(new TickTime()))
        .mapValues(v -> {
          try { return JSON.readTree(v); } catch (Exception e) { return null; }
        })
        .filter((k, t) -> t != null && t.hasNonNull("price") && t.hasNonNull("ts"))
        .groupByKey(Grouped.with(Serdes.String(), tickSerde))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(1), Duration.ofSeconds(2)))
        .aggregate(Bar::new, (symbol, tick, bar) -> bar.add(tick), Materialized.with(Serdes.String(), barSerde))
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
        .toStream()
        .map((w, b) -> {
          ObjectNode o = JSON.createObjectNode();
          o.put("symbol", w.key());
          o.put("interval", "1m");
          o.put("start", Instant.ofEpochMilli(w.window().start()).toString());
          o.put("open", b.open);
          o.put("high", b.high);
          o.put("low", b.low);
          o.put("close", b.close);
          o.put("volume", b.volume);
          o.put("vwap", b.volume > 0 ? b.notional / b.volume : b.close);
          o.put("trades", b.trades);
          return KeyValue.pair(w.key(), o.toString());
        })
        .to(output, Produced.with(Serdes.String(), Serdes.String()));

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/stockpipe-streams-" + appId);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);

    KafkaStreams streams = new KafkaStreams(builder.build(), p);
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      done.countDown();
    }));
    streams.start();
    System.err.println("started " + appId);
    done.await();
  }
}
