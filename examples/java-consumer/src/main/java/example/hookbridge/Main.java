package example.hookbridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs an {@link EventConsumer} whose handler prints one line per event:
 *
 * <pre>
 * handled   PARTITION OFFSET CE_ID CE_TYPE KEY
 * duplicate PARTITION OFFSET CE_ID
 * failed    PARTITION OFFSET CE_ID MESSAGE
 * </pre>
 *
 * (fields separated by tabs) on stdout. Replace the handler with your own.
 * SIGTERM or Ctrl-C stops it after committing what was handled.
 *
 * <p>Usage: {@code --brokers HOST:PORT[,...] --topic TOPIC --group GROUP
 * [--dedupe-window N] [--fail-on CE_ID] [-X PROPERTY=VALUE ...]}. {@code --fail-on} makes the
 * handler fail on that event (for the tests: it is never committed, so it comes back).
 *
 * <p>{@code -X} sets a Kafka client property ({@code security.protocol=SASL_SSL},
 * {@code ssl.truststore.type=PEM}, ...); {@code -X PROPERTY.file=PATH} sets it to the file's
 * content without its trailing line end, so a secret never shows on the command line
 * ({@code ssl.key.password.file=...}). For SASL, {@code -X sasl.username=USER} with
 * {@code -X sasl.password.file=PATH} (librdkafka's names, as the C++ and Python examples take
 * them) become the {@code sasl.jaas.config} line of {@code sasl.mechanism} (SCRAM or PLAIN).
 */
public final class Main {
  public static void main(String[] args) throws InterruptedException {
    Map<String, String> options = new HashMap<>(Map.of("--topic", "getprofile.events",
        "--group", "hookbridge-example-java", "--dedupe-window", "100000"));
    Map<String, String> properties = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) usage("bad argument " + args[i]);
      if (args[i].equals("-X")) {
        addProperty(properties, args[i + 1]);
      } else if (args[i].startsWith("--")) {
        options.put(args[i], args[i + 1]);
      } else {
        usage("bad argument " + args[i]);
      }
    }
    saslLogin(properties);
    if (!options.containsKey("--brokers")) usage("--brokers is required");
    String failOn = options.get("--fail-on");

    EventHandler handler = event -> {
      if (event.id() != null && event.id().equals(failOn)) {
        throw new IllegalStateException("failing on " + failOn + " as asked");
      }
      print("handled", event.partition(), event.offset(), event.id(), event.type(), event.key());
    };
    EventConsumer.Listener listener = new EventConsumer.Listener() {
      @Override
      public void duplicate(Event event) {
        print("duplicate", event.partition(), event.offset(), event.id());
      }

      @Override
      public void failed(Event event, Exception error) {
        print("failed", event.partition(), event.offset(), event.id(), error.getMessage());
      }
    };

    EventConsumer consumer = new EventConsumer(options.get("--brokers"), options.get("--topic"),
        options.get("--group"), Integer.parseInt(options.get("--dedupe-window")), handler, listener,
        properties);
    Thread main = Thread.currentThread();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      consumer.stop();
      try {
        main.join(30_000);  // let run() commit and leave the group
      } catch (InterruptedException ignored) {
        // exiting anyway
      }
    }));
    consumer.run();
  }

  /** PROPERTY=VALUE, or PROPERTY.file=PATH: the value from the file. */
  private static void addProperty(Map<String, String> properties, String setting) {
    int equals = setting.indexOf('=');
    if (equals <= 0) usage("-X " + setting + ": expected PROPERTY=VALUE");
    String name = setting.substring(0, equals);
    String value = setting.substring(equals + 1);
    if (name.endsWith(".file")) {
      name = name.substring(0, name.length() - ".file".length());
      String path = value;
      try {
        value = Files.readString(Path.of(path), StandardCharsets.UTF_8).replaceAll("[\\r\\n]+$", "");
      } catch (IOException e) {
        usage("-X " + name + ".file: cannot read " + path + ": " + e.getMessage());
      }
      if (value.isEmpty()) usage("-X " + name + ".file: " + path + " is empty");
    }
    properties.put(name, value);
  }

  /**
   * The Java client takes SASL credentials in a JAAS line, not as properties of their own:
   * sasl.username and sasl.password become that line (their values quoted, as JAAS reads them).
   */
  private static void saslLogin(Map<String, String> properties) {
    String username = properties.remove("sasl.username");
    String password = properties.remove("sasl.password");
    if (username == null && password == null) return;
    if (username == null || password == null) {
      usage("sasl.username and sasl.password (or sasl.password.file) go together");
    }
    String mechanism = properties.getOrDefault("sasl.mechanism", "SCRAM-SHA-512");
    String module = mechanism.startsWith("SCRAM-")
        ? "org.apache.kafka.common.security.scram.ScramLoginModule"
        : "org.apache.kafka.common.security.plain.PlainLoginModule";
    properties.put("sasl.mechanism", mechanism);
    properties.put("sasl.jaas.config", module + " required username=" + jaasQuoted(username)
        + " password=" + jaasQuoted(password) + ";");
  }

  private static String jaasQuoted(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static synchronized void print(String what, Object... fields) {
    StringBuilder line = new StringBuilder(what);
    for (Object field : fields) line.append('\t').append(field);
    System.out.println(line);
    System.out.flush();
  }

  private static void usage(String problem) {
    System.err.println(problem + "\nusage: --brokers HOST:PORT --topic TOPIC --group GROUP"
        + " [--dedupe-window N] [--fail-on CE_ID] [-X PROPERTY=VALUE | -X PROPERTY.file=PATH ...]");
    System.exit(2);
  }
}
