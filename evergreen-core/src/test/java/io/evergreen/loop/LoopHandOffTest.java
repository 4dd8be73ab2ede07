package io.evergreen.loop;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoopHandOffTest {

    @Test
    void items_come_out_in_order_and_those_past_the_capacity_are_refused_and_counted_once() {
        LoopHandOff<Integer> handOff = new LoopHandOff<>(2);

        assertThat(handOff.offer(1)).isTrue();
        assertThat(handOff.offer(2)).isTrue();
        assertThat(handOff.offer(3)).isFalse();
        assertThat(handOff.offer(4)).isFalse();

        assertThat(handOff.poll()).isEqualTo(1);
        assertThat(handOff.offer(5)).as("room again once one is taken").isTrue();
        assertThat(handOff.poll()).isEqualTo(2);
        assertThat(handOff.poll()).isEqualTo(5);
        assertThat(handOff.poll()).isNull();
        assertThat(handOff.takeRefused()).isEqualTo(2);
        assertThat(handOff.takeRefused()).isZero();
    }

    @Test
    void the_capacity_must_be_positive() {
        assertThatThrownBy(() -> new LoopHandOff<>(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
