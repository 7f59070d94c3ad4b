package example.hookbridge;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last {@code capacity} event ids handled, least recently used dropped
 * first: bounded memory for duplicate detection. It lives in memory, so a
 * duplicate that arrives after a restart or a rebalance, or after more than
 * {@code capacity} other events, is not recognised: a handler whose effect
 * must happen exactly once stores the id with the effect as well.
 */
final class RecentIds {
  private final Map<String, Boolean> ids;

  RecentIds(int capacity) {
    this.ids = new LinkedHashMap<>(16, 0.75f, /* accessOrder= */ true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > capacity;
      }
    };
  }

  /** True if {@code id} is in the window; it then counts as just used. */
  boolean contains(String id) {
    return ids.get(id) != null;
  }

  void add(String id) {
    ids.put(id, Boolean.TRUE);
  }
}
