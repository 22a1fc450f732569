/**
 * The TURN allocation manager's administration services: {@link org.gatehouse.turn.TurnAdmin} (the
 * allocations and counters) and {@link org.gatehouse.turn.TurnUsers} (the long-term credential user
 * file), used by the shell and the metrics endpoint; {@link org.gatehouse.turn.CredentialSource} is
 * the shape of every place a TURN password key can come from.
 */
@Export
@Version("1.3.0")
package org.gatehouse.turn;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
