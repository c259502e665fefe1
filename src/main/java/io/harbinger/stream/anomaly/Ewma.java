package io.harbinger.stream.anomaly;

/**
 * Exponentially weighted mean and variance of one metric (Finch, "Incremental calculation of weighted mean
 * and variance", 2009). Recent windows weigh more, so the baseline follows slow drift while a sudden jump
 * stands out. A Flink POJO, kept in keyed state.
 */
public class Ewma {
    public double mean;
    public double variance;

    public Ewma() {}

    public Ewma(double mean, double variance) {
        this.mean = mean;
        this.variance = variance;
    }

    /** The first observation starts the baseline at that value with no spread. */
    public static Ewma startingAt(double x) {
        return new Ewma(x, 0.0);
    }

    public void update(double x, double alpha) {
        double diff = x - mean;
        double increment = alpha * diff;
        mean += increment;
        variance = (1 - alpha) * (variance + diff * increment);
    }

    /** Standard deviation, never below the floor: a flat history must not turn +1 event into z = infinity. */
    public double stddev(double floor) {
        return Math.max(Math.sqrt(Math.max(variance, 0.0)), floor);
    }

    public double zScore(double x, double stddevFloor) {
        return (x - mean) / stddev(stddevFloor);
    }
}
