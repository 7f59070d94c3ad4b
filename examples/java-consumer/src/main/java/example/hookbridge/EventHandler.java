package example.hookbridge;

/**
 * Processes one event. Returning normally means "processed": its offset is
 * committed afterwards. Throwing means "not processed": nothing is committed,
 * and the same record is handed over again after a back-off.
 */
@FunctionalInterface
public interface EventHandler {
  void handle(Event event) throws Exception;
}
