/**
 * Services every Gatehouse bundle shares: the process-wide Netty event loops, the description of a
 * listening socket for status output, the management networks allowed to administer the server, the
 * warnings and errors it logged last, a problem in force for {@code gatehouse:status}, a shell command's refusal, a
 * connection's deadline on its event loop, and a gate that keeps a log line about what anyone can cause
 * at will to one per key per interval, a secret typed at a shell, read unseen, and a
 * component's own thread for work that may block.
 */
@Export
@Version("1.15.0")
package org.gatehouse.core;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
