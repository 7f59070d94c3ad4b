package example.hookbridge;

import java.util.HashMap;
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
 * [--dedupe-window N] [--fail-on CE_ID]}. {@code --fail-on} makes the handler
 * fail on that event (for the tests: it is never committed, so it comes back).
 */
public final class Main {
  public static void main(String[] args) throws InterruptedException {
    Map<String, String> options = new HashMap<>(Map.of("--topic", "getprofile.events",
        "--group", "getprofile-consumer", "--dedupe-window", "100000"));
    for (int i = 0; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) usage("bad argument " + args[i]);
      options.put(args[i], args[i + 1]);
    }
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
        options.get("--group"), Integer.parseInt(options.get("--dedupe-window")), handler, listener);
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

  private static synchronized void print(String what, Object... fields) {
    StringBuilder line = new StringBuilder(what);
    for (Object field : fields) line.append('\t').append(field);
    System.out.println(line);
    System.out.flush();
  }

  private static void usage(String problem) {
    System.err.println(problem + "\nusage: --brokers HOST:PORT --topic TOPIC --group GROUP"
        + " [--dedupe-window N] [--fail-on CE_ID]");
    System.exit(2);
  }
}
