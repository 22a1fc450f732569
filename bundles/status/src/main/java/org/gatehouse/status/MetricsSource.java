package org.gatehouse.status;

/**
 * Contributes samples to every scrape of {@code /metrics} (whiteboard: register it as an OSGi
 * service). Called on an I/O thread for each scrape: read counters that are already kept, do not
 * block or compute anything costly.
 */
@FunctionalInterface
public interface MetricsSource {

    void collect(Metrics metrics);
}
