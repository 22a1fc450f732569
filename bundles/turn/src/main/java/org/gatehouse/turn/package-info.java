/**
 * The TURN allocation manager's administration services: {@link org.gatehouse.turn.TurnAdmin} (the
 * allocations and counters) and {@link org.gatehouse.turn.TurnUsers} (the long-term credential user
 * file), used by the shell and the metrics endpoint, with {@link org.gatehouse.turn.Draining} while
 * new allocations are sent elsewhere; {@link org.gatehouse.turn.CredentialSource} is
 * the shape of every place a TURN password key can come from.
 */
@Export
@Version("1.4.0")
package org.gatehouse.turn;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
