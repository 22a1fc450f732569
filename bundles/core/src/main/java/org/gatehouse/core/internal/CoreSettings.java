package org.gatehouse.core.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code etc/org.gatehouse.core.cfg}, described for metatype-aware tools. */
@ObjectClassDefinition(id = CoreSettings.PID, name = "Gatehouse core",
        description = "I/O threads shared by every listener, and the networks administrators connect from.")
@interface CoreSettings {

    String PID = "org.gatehouse.core";
    String IO_THREADS = "io-threads";
    String IO_TRANSPORT = "io-transport";
    String MANAGEMENT_NETWORKS = "management-networks";
    String DEFAULT_MANAGEMENT_NETWORKS = "127.0.0.0/8, ::1";

    @AttributeDefinition(name = IO_THREADS, description = "Number of I/O threads; 0 means one per core. Applies at the next start.",
            defaultValue = "0", min = "0", max = "1024")
    int io$_$threads();

    @AttributeDefinition(name = IO_TRANSPORT, description = "auto (io_uring where it loads, else epoll, else NIO), io_uring, epoll or nio. Applies at the next start.",
            defaultValue = "auto")
    String io$_$transport();

    @AttributeDefinition(name = MANAGEMENT_NETWORKS,
            description = "Comma-separated addresses or CIDR ranges allowed to reach the management listeners; applies at once.",
            defaultValue = DEFAULT_MANAGEMENT_NETWORKS)
    String management$_$networks();
}
