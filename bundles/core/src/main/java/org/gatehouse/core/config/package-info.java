/**
 * Reading a component's ConfigAdmin properties with validation that names the {@code etc/} file and
 * key an operator has to fix, so that a bad value is refused with one clear line and the component
 * keeps running on its last good configuration.
 */
@Export
@Version("1.5.0")
package org.gatehouse.core.config;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
