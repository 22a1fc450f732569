package org.gatehouse.tls.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The bundle's one logger name, as operators filter on it. */
final class TlsComponentLog {

    static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.tls");

    private TlsComponentLog() {
    }
}
