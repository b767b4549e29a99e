package dev.spool.bench.compare;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The measured repetitions of one system in one cell: records, stored bytes and nanoseconds per
 * repetition, summarised as the median and the spread (half the min–max range, in percent of the
 * median) of records/s and MB/s (10^6 bytes).
 */
final class Series {
    private final List<long[]> samples = new ArrayList<>();

    void add(long records, long bytes, long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("A repetition must take time: " + nanos + " ns");
        }
        samples.add(new long[] {records, bytes, nanos});
    }

    boolean isEmpty() {
        return samples.isEmpty();
    }

    int size() {
        return samples.size();
    }

    double[] recordsPerSecond() {
        return rates(0);
    }

    double[] megabytesPerSecond() {
        double[] perSecond = rates(1);
        for (int i = 0; i < perSecond.length; i++) {
            perSecond[i] /= 1e6;
        }
        return perSecond;
    }

    double medianRecordsPerSecond() {
        return median(recordsPerSecond());
    }

    double medianMegabytesPerSecond() {
        return median(megabytesPerSecond());
    }

    long totalRecords() {
        return samples.stream().mapToLong(s -> s[0]).sum();
    }

    long totalBytes() {
        return samples.stream().mapToLong(s -> s[1]).sum();
    }

    private double[] rates(int column) {
        double[] rates = new double[samples.size()];
        for (int i = 0; i < rates.length; i++) {
            long[] sample = samples.get(i);
            rates[i] = sample[column] * 1e9 / sample[2];
        }
        return rates;
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** Half the min–max range as a percentage of the median. */
    static double spreadPercent(double[] values) {
        if (values.length < 2) {
            return 0;
        }
        double min = Arrays.stream(values).min().orElseThrow();
        double max = Arrays.stream(values).max().orElseThrow();
        return (max - min) / 2 / median(values) * 100;
    }
}
