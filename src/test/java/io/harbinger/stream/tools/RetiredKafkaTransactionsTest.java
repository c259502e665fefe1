package io.harbinger.stream.tools;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The command line of {@link RetiredKafkaTransactions}; what it does to a broker is in SavepointCompatibilityIT. */
class RetiredKafkaTransactionsTest {

    @Test
    void theConfigIsRequiredAndUnknownArgumentsAreNamed() {
        assertThatThrownBy(() -> RetiredKafkaTransactions.run(new String[] {"--dry-run"}, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--config is required")
                .hasMessageContaining(RetiredKafkaTransactions.USAGE);
        assertThatThrownBy(() -> RetiredKafkaTransactions.run(new String[] {"--prefix", "x"}, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown argument \"--prefix\"");
        assertThatThrownBy(() -> RetiredKafkaTransactions.run(new String[] {"--config"}, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--config needs a value");
    }
}
