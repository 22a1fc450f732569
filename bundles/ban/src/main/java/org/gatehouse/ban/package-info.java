/**
 * The PIN brute-force ban's administration service: {@link org.gatehouse.ban.BanList} lists the
 * addresses banned and the failures counted, lifts a ban, and shows the settings and counters in
 * force. Used by the shell ({@code ban:list}, {@code ban:remove}) and the status page.
 */
@Export
@Version("1.0.0")
package org.gatehouse.ban;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
