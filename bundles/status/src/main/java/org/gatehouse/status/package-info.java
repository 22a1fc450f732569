/**
 * The metrics endpoint's extension point. Any bundle registers a {@link org.gatehouse.status.MetricsSource}
 * service and its samples appear in {@code GET /metrics} on the management listener from the next
 * scrape; unregistering it removes them. Gatehouse's own features (proxy, TURN, STUN, certificate,
 * HTTPS front door) report through the same interface.
 */
@Export
@Version("1.0.0")
package org.gatehouse.status;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
