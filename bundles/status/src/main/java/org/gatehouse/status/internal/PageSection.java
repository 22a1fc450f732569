package org.gatehouse.status.internal;

/**
 * A block of the status page about one optional feature. Each is a component of this bundle that
 * references its feature's service, so it exists only while that feature is installed, and the
 * listener component never needs the feature's classes.
 */
interface PageSection {

    /** Where the block goes: lower first; below 0, above the process's own facts and listeners. */
    int order();

    void render(Html page);
}
