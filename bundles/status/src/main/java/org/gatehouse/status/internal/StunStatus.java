package org.gatehouse.status.internal;

import java.util.List;
import org.gatehouse.status.Metrics;
import org.gatehouse.status.MetricsSource;
import org.gatehouse.stun.StunService;
import org.gatehouse.stun.StunStatistics;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The STUN responder's counters. */
@Component(name = "org.gatehouse.status.stun", service = {MetricsSource.class, PageSection.class})
public final class StunStatus implements MetricsSource, PageSection {

    private final StunService stun;

    @Activate
    public StunStatus(@Reference StunService stun) {
        this.stun = stun;
    }

    @Override
    public void collect(Metrics m) {
        StunStatistics s = stun.statistics();
        m.counter("gatehouse_stun_binding_requests_total", "Binding requests answered (success or error).", s.bindingRequests());
        m.counter("gatehouse_stun_error_responses_total", "STUN error responses sent (400, 420).", s.errorResponses());
        m.counter("gatehouse_stun_indications_total", "Binding indications (keep-alives) received.", s.indications());
        m.counter("gatehouse_stun_malformed_total", "Datagrams and frames dropped as not well-formed STUN or ChannelData.", s.malformed());
        m.counter("gatehouse_stun_turn_messages_total", "STUN messages passed to the TURN relay.", s.turnMessages());
        m.counter("gatehouse_stun_channel_data_total", "ChannelData frames passed to the TURN relay.", s.channelData());
        m.counter("gatehouse_stun_unhandled_total", "Messages dropped because no TURN relay is installed, or responses sent to the server.",
                s.unhandled());
        m.counter("gatehouse_stun_answers_dropped_total", "UDP answers dropped because the socket's send queue was full.",
                s.answersDropped());
    }

    @Override
    public int order() {
        return 50;
    }

    @Override
    public void render(Html page) {
        StunStatistics s = stun.statistics();
        page.heading("STUN");
        page.facts(List.of(
                List.of("Binding requests", String.format("%,d (%.1f/s)", s.bindingRequests(), s.requestsPerSecond())),
                List.of("Errors sent", String.format("%,d", s.errorResponses())),
                List.of("Malformed", String.format("%,d", s.malformed()))));
    }
}
