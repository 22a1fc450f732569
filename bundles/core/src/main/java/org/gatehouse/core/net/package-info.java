/**
 * IP address literals and CIDR ranges, IPv4 and IPv6, with IPv4 addresses that travel inside IPv6
 * forms (mapped, compatible, 6to4, NAT64) reduced to the IPv4 address they carry. TURN peer policy
 * and the management allow-lists decide on these; {@link org.gatehouse.core.net.ListenerMove} moves listening sockets to
 * new addresses without a gap, and {@link org.gatehouse.core.net.ListenerRetry} tries again those that could
 * not be opened (1.5: 0.0.0.0:P with [::]:P opened as one dual-stack socket, {@code ListenerMove.DualStack};
 * {@code IpAddresses.localHostName}).
 */
@Export
@Version("1.6.0")
package org.gatehouse.core.net;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
