package org.gatehouse.shell.internal;

import java.util.List;

/**
 * A block of {@code gatehouse:status} about one optional feature. Each is a component of this bundle
 * that references its feature's service, so it exists only while that feature is installed, and
 * {@link StatusCommand} never needs the feature's classes.
 */
interface StatusSection {

    String title();

    Report report();

    /** Lines to show, and problems for the "Problems" list at the end (empty when all is well). */
    record Report(List<String> lines, List<String> problems) {
    }
}
