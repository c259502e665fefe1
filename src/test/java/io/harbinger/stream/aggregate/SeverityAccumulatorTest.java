package io.harbinger.stream.aggregate;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.stream.DoubleStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SeverityAccumulatorTest {
    @Test
    void matchesTheTwoPassDefinitionOnRandomData() {
        double[] xs = new Random(7).doubles(10_000, 0, 1).toArray();
        SeverityAccumulator acc = new SeverityAccumulator();
        for (double x : xs) acc.add(x);

        double mean = DoubleStream.of(xs).average().orElseThrow();
        double variance = DoubleStream.of(xs).map(x -> (x - mean) * (x - mean)).sum() / xs.length;
        assertThat(acc.count).isEqualTo(10_000);
        assertThat(acc.mean).isCloseTo(mean, within(1e-12));
        assertThat(acc.stddev()).isCloseTo(Math.sqrt(variance), within(1e-12));
        assertThat(acc.min).isEqualTo(DoubleStream.of(xs).min().orElseThrow());
        assertThat(acc.max).isEqualTo(DoubleStream.of(xs).max().orElseThrow());
    }

    @Test
    void mergingPartsEqualsAddingEverything() {
        double[] xs = new Random(11).doubles(1_001, 0, 1).toArray();
        SeverityAccumulator whole = new SeverityAccumulator();
        SeverityAccumulator left = new SeverityAccumulator();
        SeverityAccumulator right = new SeverityAccumulator();
        for (int i = 0; i < xs.length; i++) {
            whole.add(xs[i]);
            (i < 300 ? left : right).add(xs[i]);
        }
        left.merge(right);
        left.merge(new SeverityAccumulator());

        assertThat(left.count).isEqualTo(whole.count);
        assertThat(left.sum).isCloseTo(whole.sum, within(1e-9));
        assertThat(left.mean).isCloseTo(whole.mean, within(1e-12));
        assertThat(left.stddev()).isCloseTo(whole.stddev(), within(1e-12));
        assertThat(left.min).isEqualTo(whole.min);
        assertThat(left.max).isEqualTo(whole.max);

        SeverityAccumulator empty = new SeverityAccumulator();
        empty.merge(whole);
        assertThat(empty.stddev()).isCloseTo(whole.stddev(), within(1e-15));
    }

    @Test
    void stableWhereTheNaiveSumOfSquaresCancels() {
        SeverityAccumulator acc = new SeverityAccumulator();
        for (int i = 0; i < 1_000; i++) acc.add(i % 2 == 0 ? 0.999_999_9 : 0.999_999_8);
        assertThat(acc.stddev()).isCloseTo(0.000_000_05, within(1e-12));
    }
}
