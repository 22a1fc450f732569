/**
 * The operator's TLS certificate as a service ({@link org.gatehouse.tls.ServerCertificates}): every
 * TLS listener in Gatehouse — HTTPS, TURN over TLS — takes its context from here for each new
 * connection, so a replaced certificate applies to the next handshake and no open connection closes.
 * {@link org.gatehouse.tls.FrontStatistics} counts what the HTTPS front door answers.
 */
@Export
@Version("1.3.0")
package org.gatehouse.tls;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
