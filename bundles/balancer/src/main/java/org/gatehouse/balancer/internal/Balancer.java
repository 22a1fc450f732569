package org.gatehouse.balancer.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The balancer's logger. */
final class Balancer {

    static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.balancer");

    private Balancer() {
    }
}
