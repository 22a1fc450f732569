/**
 * The STUN responder's services: {@link org.gatehouse.stun.TurnHandler}, the dispatch point through
 * which a TURN implementation receives every non-Binding STUN message and every ChannelData frame
 * arriving on the STUN listeners, and {@link org.gatehouse.stun.StunService} for administration.
 */
@Export
@Version("1.4.0")
package org.gatehouse.stun;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
