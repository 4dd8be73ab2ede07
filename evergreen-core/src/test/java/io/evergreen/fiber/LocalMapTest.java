package io.evergreen.fiber;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LocalMap}, the open-addressing map behind fiber-locals, checked against
 * {@link IdentityHashMap}: random puts, gets and removes, with phases of heavy removal so that
 * backward-shift deletion runs across the table's wrap-around and after each resize.
 */
class LocalMapTest {

    private static final int KEYS = 200;
    private static final int OPERATIONS = 20_000;

    /** The table size the map reaches with {@link #KEYS} keys (it doubles past two-thirds full). */
    private static final int FULL_TABLE = 512;

    @ParameterizedTest
    @ValueSource(longs = {1, 42, 20_240_601})
    void random_operations_on_naturally_spread_keys_match_an_identity_hash_map(long seed) {
        List<FiberLocal<?>> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add(FiberLocal.create());
        }
        runDifferential(keys, new Random(seed));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 42, 20_240_601})
    void random_operations_on_keys_crowded_around_the_tables_wrap_around_match_an_identity_hash_map(long seed) {
        List<FiberLocal<?>> keys = keysHomedNearTheEndOfTheTable();
        runDifferential(keys, new Random(seed));
    }

    /**
     * Keys whose home slot, in every table size up to the full one, lies in the last 16 or the first 8 slots:
     * probe runs cross the end of the table, and deletions must shift entries back across it.
     */
    private static List<FiberLocal<?>> keysHomedNearTheEndOfTheTable() {
        List<FiberLocal<?>> keys = new ArrayList<>();
        while (keys.size() < KEYS) {
            FiberLocal<?> key = FiberLocal.create();
            int home = key.hash & (FULL_TABLE - 1);
            if (home >= FULL_TABLE - 16 || home < 8) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static void runDifferential(List<FiberLocal<?>> keys, Random random) {
        LocalMap map = new LocalMap();
        Map<FiberLocal<?>, Object> expected = new IdentityHashMap<>();
        int emptied = 0;
        int maxSize = 0;
        for (int step = 0; step < OPERATIONS; step++) {
            // Phases of 2,000 steps: filling (mostly puts), churn, then draining (removes only).
            int phase = (step / 2_000) % 3;
            boolean draining = phase == 2;
            int putPercent = phase == 0 ? 75 : phase == 1 ? 40 : 0;
            FiberLocal<?> key = keys.get(random.nextInt(keys.size()));
            String description = "step " + step + " on " + key;
            int roll = random.nextInt(100);
            if (roll < putPercent) {
                Object value = random.nextInt(10) == 0 ? null : "v" + step;
                boolean wasNew = !expected.containsKey(key);
                expected.put(key, value);
                assertThat(map.put(key, value)).as("put is new, " + description).isEqualTo(wasNew);
            } else if (roll < putPercent + 20 || draining) {
                boolean wasPresent = expected.containsKey(key);
                expected.remove(key);
                assertThat(map.remove(key)).as("remove found, " + description).isEqualTo(wasPresent);
            } else {
                assertThat(map.get(key)).as("get, " + description).isSameAs(valueOrAbsent(expected, key));
            }
            assertSameContents(map, expected, keys, description);
            emptied += expected.isEmpty() ? 1 : 0;
            maxSize = Math.max(maxSize, expected.size());
        }
        // The run did what it is for: filled the map to most keys and drained it completely.
        assertThat(maxSize).isGreaterThan(KEYS * 3 / 4);
        assertThat(emptied).isPositive();
    }

    private static Object valueOrAbsent(Map<FiberLocal<?>, Object> expected, FiberLocal<?> key) {
        return expected.containsKey(key) ? expected.get(key) : LocalMap.ABSENT;
    }

    /** Checks size, every key's lookup and the iterated entries; AssertJ only runs to report a mismatch. */
    private static void assertSameContents(LocalMap map, Map<FiberLocal<?>, Object> expected,
            List<FiberLocal<?>> keys, String description) {
        if (map.size() != expected.size()) {
            assertThat(map.size()).as("size after " + description).isEqualTo(expected.size());
        }
        for (FiberLocal<?> key : keys) {
            if (map.get(key) != valueOrAbsent(expected, key)) {
                assertThat(map.get(key)).as("get " + key + " after " + description)
                        .isSameAs(valueOrAbsent(expected, key));
            }
        }
        Map<FiberLocal<?>, Object> iterated = new IdentityHashMap<>();
        int[] visits = new int[1];
        map.forEach((key, value) -> {
            iterated.put(key, value);
            visits[0]++;
        });
        if (visits[0] != iterated.size() || !iterated.equals(expected)) {
            assertThat(visits[0]).as("entries visited after " + description).isEqualTo(iterated.size());
            assertThat(iterated).as("entries after " + description).isEqualTo(expected);
        }
    }

    @Test
    void a_null_value_is_present_not_absent() {
        LocalMap map = new LocalMap();
        FiberLocal<String> key = FiberLocal.create();
        map.put(key, null);
        assertThat(map.get(key)).isNull();
        assertThat(map.size()).isEqualTo(1);
    }

    @Test
    void an_inheritable_copy_holds_only_inheritable_entries_with_their_child_values() {
        LocalMap map = new LocalMap();
        FiberLocal<String> plain = FiberLocal.create();
        FiberLocal<String> shared = FiberLocal.inheritable();
        FiberLocal<String> derived = FiberLocal.inheritable(value -> value + " (child)");
        map.put(plain, "plain");
        map.put(shared, "shared");
        map.put(derived, "derived");

        LocalMap copy = map.inheritableCopy();

        assertThat(copy.size()).isEqualTo(2);
        assertThat(copy.get(plain)).isSameAs(LocalMap.ABSENT);
        assertThat(copy.get(shared)).isEqualTo("shared");
        assertThat(copy.get(derived)).isEqualTo("derived (child)");
    }

    @Test
    void a_map_without_inheritable_entries_has_no_inheritable_copy() {
        LocalMap map = new LocalMap();
        map.put(FiberLocal.create(), "plain");
        assertThat(map.inheritableCopy()).isNull();
    }
}
