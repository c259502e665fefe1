package io.harbinger.stream.aggregate;

/**
 * Running severity statistics of one window: count, sum, min, max and Welford's mean and sum of squared
 * deviations, which stay accurate where the naive sum of squares cancels out. A Flink POJO.
 */
public class SeverityAccumulator {
    public long count;
    public double sum;
    public double mean;
    /** Sum of squared deviations from the mean. */
    public double m2;
    public double min = Double.POSITIVE_INFINITY;
    public double max = Double.NEGATIVE_INFINITY;

    public void add(double x) {
        count++;
        sum += x;
        double delta = x - mean;
        mean += delta / count;
        m2 += delta * (x - mean);
        min = Math.min(min, x);
        max = Math.max(max, x);
    }

    /** Chan et al.'s parallel combination, for merging windows (e.g. session windows, pre-aggregation). */
    public void merge(SeverityAccumulator other) {
        if (other.count == 0) return;
        if (count == 0) {
            count = other.count;
            sum = other.sum;
            mean = other.mean;
            m2 = other.m2;
            min = other.min;
            max = other.max;
            return;
        }
        long n = count + other.count;
        double delta = other.mean - mean;
        mean += delta * other.count / n;
        m2 += other.m2 + delta * delta * ((double) count * other.count / n);
        count = n;
        sum += other.sum;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
    }

    /** Population standard deviation: the window holds every event of its span, not a sample. */
    public double stddev() {
        return count == 0 ? 0.0 : Math.sqrt(Math.max(0.0, m2 / count));
    }
}
