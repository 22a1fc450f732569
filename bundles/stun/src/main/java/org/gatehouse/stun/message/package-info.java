/**
 * The STUN message codec: RFC 8489 header and attributes, the TURN attributes of RFC 8656 and the
 * behaviour-discovery attributes of RFC 5780, IPv4 and IPv6, MESSAGE-INTEGRITY(-SHA256),
 * FINGERPRINT and ChannelData framing. {@link org.gatehouse.stun.message.StunMessage} reads a
 * message in place in a Netty buffer; {@link org.gatehouse.stun.message.StunWriter} writes one into a
 * pooled buffer. Both are reusable and allocate nothing per message on the hot path.
 */
@Export
@Version("1.0.0")
package org.gatehouse.stun.message;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
