/**
 * The balancer's administration: pools of conferencing nodes, each node's state and counters, and
 * the live changes an operator makes from the shell (add, remove, drain, enable). Changes are
 * written to the pool's {@code etc/org.gatehouse.balancer.pool-<name>.cfg} and applied without
 * interrupting exchanges or event streams already on a node.
 */
@Export
@Version("1.2.0")
package org.gatehouse.balancer;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
