/**
 * The LDAP/AD authentication filter's admin service, {@link org.gatehouse.auth.ldap.DirectoryCheck}:
 * what it guards, what it has decided since start (by outcome: {@link org.gatehouse.auth.ldap.DirectoryCheck.Statistics}), and a step-by-step test of one login for the
 * operator ({@code ldap:test}).
 */
@Export
@Version("1.2.0")
package org.gatehouse.auth.ldap;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
