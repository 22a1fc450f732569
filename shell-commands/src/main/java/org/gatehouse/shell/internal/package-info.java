/** Gogo command implementations; adapters over the admin services the other bundles export. */
package org.gatehouse.shell.internal;
