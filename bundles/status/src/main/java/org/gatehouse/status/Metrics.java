package org.gatehouse.status;

/**
 * What a {@link MetricsSource} writes one scrape's samples to. Names follow Prometheus conventions
 * ({@code gatehouse_<feature>_<what>_<unit>}, counters ending in {@code _total}); labels are given as
 * name, value pairs. Samples of one name may come in any order and from several calls; the first help
 * text and type given for a name stand.
 *
 * @throws IllegalArgumentException from either method for an invalid metric or label name, an odd
 *     number of label arguments, or a name already used with the other type; the sample is not written
 */
public interface Metrics {

    /** A count that only grows while the server runs (it restarts at zero with the server or the feature). */
    Metrics counter(String name, String help, double value, String... labels);

    /** A value of now, which may go up and down. */
    Metrics gauge(String name, String help, double value, String... labels);
}
