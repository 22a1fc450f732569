package org.gatehouse.status.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gatehouse.status.Metrics;
import org.gatehouse.status.MetricsSource;
import org.gatehouse.tls.FrontStatistics;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The HTTPS front door: open connections and responses by status code. */
@Component(name = "org.gatehouse.status.https", service = {MetricsSource.class, PageSection.class})
public final class FrontStatus implements MetricsSource, PageSection {

    private static final List<String> LISTENERS = List.of(FrontStatistics.HTTPS, FrontStatistics.HTTP_REDIRECT);

    private final FrontStatistics front;

    @Activate
    public FrontStatus(@Reference FrontStatistics front) {
        this.front = front;
    }

    @Override
    public void collect(Metrics m) {
        m.gauge("gatehouse_http_open_connections", "Client connections open now on the HTTPS and HTTP listeners.", front.openConnections());
        for (String listener : LISTENERS) {
            for (Map.Entry<Integer, Long> e : front.responses(listener).entrySet()) {
                m.counter("gatehouse_http_responses_total", "Responses sent, by listener and status code.", e.getValue(),
                        "listener", listener, "code", Integer.toString(e.getKey()));
            }
        }
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public void render(Html page) {
        page.heading("HTTPS");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("Open connections", Integer.toString(front.openConnections())));
        for (String listener : LISTENERS) {
            StringBuilder b = new StringBuilder();
            front.responses(listener).forEach((code, n) -> b.append(b.length() == 0 ? "" : ", ").append(code).append(": ")
                    .append(String.format("%,d", n)));
            rows.add(List.of("Responses (" + listener + ")", b.length() == 0 ? "none yet" : b.toString()));
        }
        page.facts(rows);
    }
}
