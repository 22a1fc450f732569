package org.gatehouse.ssh.internal;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.gatehouse.core.config.InstallationPaths;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.IpAddresses;

/** The validated SSH settings; {@code listen} is null when the listener is off. */
record SshConfiguration(String source, InetSocketAddress listen, Path authorizedKeys, Path users, boolean localClientKey,
        Duration idleTimeout) {

    static SshConfiguration of(Map<String, ?> properties) throws InvalidSettingException {
        Settings s = Settings.of(SshSettings.PID, properties);
        String listenText = s.string(SshSettings.LISTEN, SshSettings.DEFAULT_LISTEN);
        InetSocketAddress listen = null;
        if (!listenText.isBlank()) {
            try {
                listen = IpAddresses.parseSocketAddress(listenText, 8101);
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException(s.source(), SshSettings.LISTEN, listenText,
                        "is invalid: " + e.getMessage() + " (write address:port, e.g. 127.0.0.1:8101, or leave it empty to turn SSH off)");
            }
        }
        return new SshConfiguration(s.source(), listen,
                InstallationPaths.resolve(s.string(SshSettings.AUTHORIZED_KEYS, SshSettings.DEFAULT_AUTHORIZED_KEYS)),
                InstallationPaths.resolve(s.string(SshSettings.USERS, SshSettings.DEFAULT_USERS)),
                s.bool(SshSettings.LOCAL_CLIENT_KEY, true),
                Duration.ofMinutes(s.integer(SshSettings.IDLE_TIMEOUT, 30, 1, 10080)));
    }

    /** These settings with the listener on {@code address}. */
    SshConfiguration withListen(InetSocketAddress address) {
        return new SshConfiguration(source, address, authorizedKeys, users, localClientKey, idleTimeout);
    }

    /** Whether the listener stays as it is (only {@code listen} needs it bound again; sessions then end). */
    boolean sameListener(SshConfiguration other) {
        return other != null && java.util.Objects.equals(listen, other.listen);
    }
}
