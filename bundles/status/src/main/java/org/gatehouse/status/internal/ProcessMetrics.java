package org.gatehouse.status.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.gatehouse.core.EventLoops;
import org.gatehouse.core.Listener;
import org.gatehouse.core.ManagementNetworks;
import org.gatehouse.core.net.IpAddresses;
import org.gatehouse.status.Metrics;

/** What every installation has: the JVM's basics from its MXBeans (cheap reads), the I/O threads, the listeners. */
final class ProcessMetrics {

    private ProcessMetrics() {
    }

    static void collect(Metrics m, EventLoops loops, List<Listener> listeners) {
        var runtime = ManagementFactory.getRuntimeMXBean();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        m.gauge("gatehouse_uptime_seconds", "Seconds since the JVM started.", runtime.getUptime() / 1000.0);
        m.gauge("gatehouse_start_time_seconds", "When the JVM started, in seconds since the epoch.", runtime.getStartTime() / 1000.0);
        m.gauge("gatehouse_jvm_heap_used_bytes", "Java heap in use.", heap.getUsed());
        m.gauge("gatehouse_jvm_heap_committed_bytes", "Java heap committed by the JVM.", heap.getCommitted());
        m.gauge("gatehouse_jvm_heap_max_bytes", "Largest the Java heap may grow (-1: no limit).", heap.getMax());
        m.gauge("gatehouse_jvm_threads", "Live JVM threads.", ManagementFactory.getThreadMXBean().getThreadCount());
        if (loops != null) {
            m.gauge("gatehouse_io_event_loops", "I/O threads shared by every listener.", loops.threads(),
                    "transport", loops.transport().name().toLowerCase(Locale.ROOT));
        }
        for (Listener l : listeners) {
            m.gauge("gatehouse_listener", "A socket Gatehouse listens on (always 1).", 1, "name", l.name(), "protocol", l.protocol(),
                    "address", IpAddresses.format(l.address()));
        }
    }

    static void render(Html page, EventLoops loops, ManagementNetworks networks, List<Listener> listeners) {
        var runtime = ManagementFactory.getRuntimeMXBean();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        Duration up = Duration.ofMillis(runtime.getUptime());
        List<List<String>> facts = new ArrayList<>();
        facts.add(List.of("Up", uptime(up) + " (since " + Instant.ofEpochMilli(runtime.getStartTime()) + ")"));
        facts.add(List.of("I/O", loops == null ? "event loops not running"
                : loops.threads() + " " + loops.transport().name().toLowerCase(Locale.ROOT) + " event loop" + (loops.threads() == 1 ? "" : "s")));
        facts.add(List.of("Management", networks == null ? "unknown" : networks.networks().isEmpty() ? "none" : networks.networks().toString()));
        facts.add(List.of("Heap", String.format("%,d MiB used of %,d MiB", heap.getUsed() >> 20, Math.max(heap.getMax(), heap.getCommitted()) >> 20)));
        facts.add(List.of("Threads", Integer.toString(ManagementFactory.getThreadMXBean().getThreadCount())));
        page.facts(facts);
        page.heading("Listeners");
        List<Listener> sorted = new ArrayList<>(listeners);
        sorted.sort(Comparator.comparing(Listener::name).thenComparing(l -> l.address().getPort()));
        List<List<String>> rows = new ArrayList<>();
        sorted.forEach(l -> rows.add(List.of(l.name(), l.protocol(), IpAddresses.format(l.address()))));
        if (rows.isEmpty()) {
            page.paragraph("None.");
        } else {
            page.table(List.of("Name", "Protocol", "Address"), rows);
        }
    }

    static String uptime(Duration d) {
        long days = d.toDays();
        return (days > 0 ? days + "d " : "") + String.format("%d:%02d:%02d", d.toHoursPart(), d.toMinutesPart(), d.toSecondsPart());
    }
}
