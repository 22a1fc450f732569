/**
 * The HTTPS front door's extension points: {@link org.gatehouse.tls.http.HttpRoute} services serve
 * path prefixes (the longest matching prefix wins; none matching is a 404), and
 * {@link org.gatehouse.tls.http.HttpFilter} services, in service ranking order, see every request
 * before its route (LDAP authentication and the PIN brute-force ban are filters). Everything runs on
 * the client connection's event loop; a filter that has to wait for an answer (a directory) does so
 * through {@link org.gatehouse.tls.http.HttpFilter#check} without blocking it. Filters that act on
 * some paths only read them through {@link org.gatehouse.tls.http.RequestPath}, as a node may.
 */
@Export
@Version("1.9.0")
package org.gatehouse.tls.http;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
