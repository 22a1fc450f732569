package org.gatehouse.ban.internal;

import java.time.Duration;
import java.util.Map;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;

/** {@code etc/org.gatehouse.ban.cfg}: the defaults are the successor appliance's fail2ban jail. */
record BanSettings(boolean enabled, int maxFailures, Duration findTime, Duration banTime, boolean exemptManagementNetworks,
        int ipv6Prefix, int maxTracked, String source) {

    static final String PID = "org.gatehouse.ban";

    static final BanSettings DEFAULTS = new BanSettings(true, 10, Duration.ofSeconds(300), Duration.ofSeconds(300), true, 64,
            50_000, "built-in defaults");

    static BanSettings read(Map<String, ?> properties) throws InvalidSettingException {
        Settings s = Settings.of(PID, properties);
        return new BanSettings(
                s.bool("enabled", DEFAULTS.enabled()),
                s.integer("max-failures", DEFAULTS.maxFailures(), 1, 1000),
                Duration.ofSeconds(s.integer("find-time", (int) DEFAULTS.findTime().toSeconds(), 1, 86_400)),
                Duration.ofSeconds(s.integer("ban-time", (int) DEFAULTS.banTime().toSeconds(), 1, 2_592_000)),
                s.bool("exempt-management-networks", DEFAULTS.exemptManagementNetworks()),
                s.integer("ipv6-prefix", DEFAULTS.ipv6Prefix(), 32, 128),
                s.integer("max-tracked", DEFAULTS.maxTracked(), 100, 1_000_000),
                s.source());
    }

    /** For the log: what a change of configuration now means. */
    String describe() {
        if (!enabled) {
            return "off";
        }
        return String.format("%d failures within %d s ban an address%s for %d s%s", maxFailures, findTime.toSeconds(),
                ipv6Prefix < 128 ? " (IPv6: its /" + ipv6Prefix + ")" : "", banTime.toSeconds(),
                exemptManagementNetworks ? "; management networks exempt" : "");
    }
}
