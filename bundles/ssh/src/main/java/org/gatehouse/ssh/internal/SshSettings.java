package org.gatehouse.ssh.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code etc/org.gatehouse.ssh.cfg}, described for metatype-aware tools. */
@ObjectClassDefinition(id = SshSettings.PID, name = "Gatehouse SSH",
        description = "The Gogo shell over SSH for remote administration, open to the management networks only.")
@interface SshSettings {

    String PID = "org.gatehouse.ssh";
    String LISTEN = "listen";
    String AUTHORIZED_KEYS = "authorized-keys";
    String USERS = "users";
    String LOCAL_CLIENT_KEY = "local-client-key";
    String IDLE_TIMEOUT = "idle-timeout";

    String DEFAULT_LISTEN = "127.0.0.1:8101";
    String DEFAULT_AUTHORIZED_KEYS = "etc/ssh/authorized_keys";
    String DEFAULT_USERS = "etc/ssh/users";

    @AttributeDefinition(name = LISTEN, description = "Address and port of the SSH listener; empty turns it off.",
            defaultValue = DEFAULT_LISTEN, required = false)
    String listen();

    @AttributeDefinition(name = AUTHORIZED_KEYS, description = "OpenSSH authorized_keys file; read again when it changes.",
            defaultValue = DEFAULT_AUTHORIZED_KEYS)
    String authorized$_$keys();

    @AttributeDefinition(name = USERS, description = "Users with salted password hashes, written by ssh:user-add.",
            defaultValue = DEFAULT_USERS)
    String users();

    @AttributeDefinition(name = LOCAL_CLIENT_KEY,
            description = "Accept data/ssh/client-key (made at first start, used by bin/client) from loopback addresses.",
            defaultValue = "true")
    boolean local$_$client$_$key();

    @AttributeDefinition(name = IDLE_TIMEOUT, description = "Minutes a session may stay silent before it is closed.",
            defaultValue = "30", min = "1", max = "10080")
    int idle$_$timeout();
}
