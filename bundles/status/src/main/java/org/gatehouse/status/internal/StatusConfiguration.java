package org.gatehouse.status.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code etc/org.gatehouse.status.cfg}, described for metatype-aware tools; every key applies at once. */
@ObjectClassDefinition(id = StatusSettings.PID, name = "Gatehouse metrics and status page",
        description = "A plain HTTP listener for the management networks: Prometheus metrics at /metrics, a status page at /.")
@interface StatusConfiguration {

    @AttributeDefinition(name = StatusSettings.LISTEN,
            description = "Comma-separated address:port list to listen on; empty turns the listener off.",
            defaultValue = StatusSettings.DEFAULT_LISTEN)
    String listen();

    @AttributeDefinition(name = StatusSettings.PAGE_REFRESH,
            description = "Seconds after which a browser reloads the status page; 0 = never.", defaultValue = "10", min = "0", max = "3600")
    int page$_$refresh();

    @AttributeDefinition(name = StatusSettings.HOST_NAMES, required = false,
            description = "Comma-separated names under which the listener is reached (a scraper's target such as gatehouse1.mgmt.example.com),"
                    + " besides its IP addresses, localhost and this host's name; requests naming any other host are answered 421.")
    String host$_$names();
}
