package org.gatehouse.shell.internal;

import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.gatehouse.balancer.Pools;
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
        List<String> args = words(arguments);
        if (args.size() < 2 || args.size() > 2 + extraArguments()) {
            throw new IllegalArgumentException("usage: " + usage());
        }
        try {
            run(args.get(0), args.get(1), args.subList(2, args.size()));
        } catch (IllegalArgumentException | IllegalStateException e) {
            // Refused: the pool keeps its nodes, and the command fails (exit 1 over bin/client).
            throw new IllegalArgumentException(name() + ": " + e.getMessage(), e);
        }
        return null;
    }

    /**
     * The arguments as words. Gogo reads an unquoted {@code [::1]:9006} as a list ({@code [::1]})
     * followed by the word {@code :9006}; a list of one IPv6 address followed by {@code :port} is put
     * back together, so the address works quoted or not.
     */
    static List<String> words(List<Object> arguments) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < arguments.size(); i++) {
            Object a = arguments.get(i);
            if (a instanceof List<?> list && list.size() == 1 && String.valueOf(list.get(0)).contains(":") && i + 1 < arguments.size()
                    && String.valueOf(arguments.get(i + 1)).matches(":[0-9]+")) {
                out.add("[" + list.get(0) + "]" + arguments.get(++i));
            } else {
                out.add(String.valueOf(a));
            }
        }
        return out;
    }

    abstract String name();

    abstract String usage();

    int extraArguments() {
        return 0;
    }

    abstract void run(String pool, String node, List<String> more);

    /** {@code proxy:node-add <pool> <host:port> [weight=N] [backup]}. */
    @Component(name = "org.gatehouse.shell.proxy.node-add", service = Function.class,
            property = {"osgi.command.scope=proxy", "osgi.command.function=node-add"})
    public static final class Add extends ProxyNodeCommand {

        @Override
        String name() {
            return "proxy:node-add";
        }

        @Override
        String usage() {
            return "proxy:node-add <pool> <host:port> [weight=N] [backup]\n  adds a conferencing node; it gets requests at once";
        }

        @Override
        int extraArguments() {
            return 2;
        }

        @Override
        void run(String pool, String node, List<String> more) {
            String spec = more.isEmpty() ? node : node + " " + String.join(" ", more);
            pools.addNode(pool, spec);
            System.out.printf("Node %s added to pool %s.%n", spec, pool);
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
        String usage() {
            return "proxy:node-remove <pool> <host:port>\n  no new requests go to the node; what it serves now goes on until it ends";
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
        String usage() {
            return "proxy:node-drain <pool> <host:port>\n  the node stays in the pool but gets no new requests (proxy:node-enable undoes it)";
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
        String usage() {
            return "proxy:node-enable <pool> <host:port>\n  ends a drain and forgets the failures that marked the node down";
        }

        @Override
        void run(String pool, String node, List<String> more) {
            pools.enableNode(pool, node);
            System.out.printf("Node %s of pool %s takes requests again.%n", node, pool);
        }
    }
}
