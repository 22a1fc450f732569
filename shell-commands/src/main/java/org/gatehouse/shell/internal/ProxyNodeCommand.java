package org.gatehouse.shell.internal;

import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.gatehouse.balancer.NodeStatus;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.balancer.Pools;
import org.gatehouse.core.CommandRefused;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * A {@code proxy:node-*} command: the change is written to the pool's {@code .cfg} file and applies to
 * the next request; exchanges and event streams already on a node go on.
 */
abstract class ProxyNodeCommand implements Function {

    @Reference
    Pools pools;

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        List<String> args = usage().arguments(arguments);
        if (args == null) {
            return null;
        }
        try {
            run(args.get(0), args.get(1), args.subList(2, args.size()));
        } catch (IllegalArgumentException | IllegalStateException e) {
            // Refused: the pool keeps its nodes, and the command fails (exit 1 over bin/client).
            throw new CommandRefused(name() + ": " + e.getMessage(), e);
        }
        return null;
    }

    abstract String name();

    /** The command's usage; an unquoted [v6]:port is one argument (see {@link Usage#words}). */
    abstract Usage usage();

    abstract void run(String pool, String node, List<String> more);

    /** {@code proxy:node-add <pool> <host:port> [weight=N] [backup] [drain]}. */
    @Component(name = "org.gatehouse.shell.proxy.node-add", service = Function.class,
            property = {"osgi.command.scope=proxy", "osgi.command.function=node-add"})
    public static final class Add extends ProxyNodeCommand {

        @Override
        String name() {
            return "proxy:node-add";
        }

        @Override
        Usage usage() {
            return new Usage("proxy:node-add <pool> <host:port> [weight=N] [backup] [drain]",
                    "adds a conferencing node; it gets requests at once (with drain: none until proxy:node-enable)", 2, 5);
        }

        @Override
        void run(String pool, String node, List<String> more) {
            String spec = more.isEmpty() ? node : node + " " + String.join(" ", more);
            pools.addNode(pool, spec);
            System.out.printf("Node %s added to pool %s.%n", spec, pool);
            String warning = unresolvedWarning(pools, pool, node);
            if (warning != null) {
                System.out.println(warning);
            }
        }

        /** A warning when the added node's host name does not resolve now (it is added all the same, and gets requests once it does). */
        static String unresolvedWarning(Pools pools, String pool, String node) {
            String address = node.strip();
            for (PoolStatus p : pools.pools()) {
                if (!p.name().equals(pool)) {
                    continue;
                }
                for (NodeStatus n : p.nodes()) {
                    if (n.address().equalsIgnoreCase(address) && n.state().equals("unresolved")) {
                        return "Warning: " + address.substring(0, address.lastIndexOf(':')) + " does not resolve now: the node gets no requests "
                                + "until it does (looked up again every few seconds; the log says why)";
                    }
                }
            }
            return null;
        }
    }

    /** {@code proxy:node-remove <pool> <host:port>}. */
    @Component(name = "org.gatehouse.shell.proxy.node-remove", service = Function.class,
            property = {"osgi.command.scope=proxy", "osgi.command.function=node-remove"})
    public static final class Remove extends ProxyNodeCommand {

        @Override
        String name() {
            return "proxy:node-remove";
        }

        @Override
        Usage usage() {
            return new Usage("proxy:node-remove <pool> <host:port>",
                    "takes a node out: no new requests go to it; what it serves now goes on until it ends", 2, 2);
        }

        @Override
        void run(String pool, String node, List<String> more) {
            pools.removeNode(pool, node);
            System.out.printf("Node %s removed from pool %s; its open exchanges and event streams go on until they end.%n", node, pool);
        }
    }

    /** {@code proxy:node-drain <pool> <host:port>}. */
    @Component(name = "org.gatehouse.shell.proxy.node-drain", service = Function.class,
            property = {"osgi.command.scope=proxy", "osgi.command.function=node-drain"})
    public static final class Drain extends ProxyNodeCommand {

        @Override
        String name() {
            return "proxy:node-drain";
        }

        @Override
        Usage usage() {
            return new Usage("proxy:node-drain <pool> <host:port>",
                    "the node stays in the pool but gets no new requests (proxy:node-enable undoes it)", 2, 2);
        }

        @Override
        void run(String pool, String node, List<String> more) {
            pools.drainNode(pool, node);
            System.out.printf("Node %s of pool %s is draining: no new requests; see proxy:nodes for what it still serves.%n", node, pool);
        }
    }

    /** {@code proxy:node-enable <pool> <host:port>}. */
    @Component(name = "org.gatehouse.shell.proxy.node-enable", service = Function.class,
            property = {"osgi.command.scope=proxy", "osgi.command.function=node-enable"})
    public static final class Enable extends ProxyNodeCommand {

        @Override
        String name() {
            return "proxy:node-enable";
        }

        @Override
        Usage usage() {
            return new Usage("proxy:node-enable <pool> <host:port>",
                    "ends a drain and forgets the failures that marked the node down", 2, 2);
        }

        @Override
        void run(String pool, String node, List<String> more) {
            pools.enableNode(pool, node);
            System.out.printf("Node %s of pool %s takes requests again.%n", node, pool);
        }
    }
}
