package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.gatehouse.balancer.PoolStatus;
import org.gatehouse.balancer.Pools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node commands as Gogo hands them what the operator typed. */
class ProxyNodeCommandTest {

    private final List<String> calls = new ArrayList<>();
    private final ThreadIOImpl io = new ThreadIOImpl();

    private final Pools pools = new Pools() {
        @Override
        public List<PoolStatus> pools() {
            return List.of();
        }

        @Override
        public void addNode(String pool, String node) {
            calls.add("add " + pool + " " + node);
        }

        @Override
        public void removeNode(String pool, String address) {
            calls.add("remove " + pool + " " + address);
        }

        @Override
        public void drainNode(String pool, String address) {
            calls.add("drain " + pool + " " + address);
        }

        @Override
        public void enableNode(String pool, String address) {
            calls.add("enable " + pool + " " + address);
        }
    };

    private CommandSession session() {
        io.start();
        CommandProcessorImpl processor = new CommandProcessorImpl(io);
        ProxyNodeCommand add = new ProxyNodeCommand.Add();
        ProxyNodeCommand remove = new ProxyNodeCommand.Remove();
        add.pools = pools;
        remove.pools = pools;
        processor.addCommand("proxy", add, "node-add");
        processor.addCommand("proxy", remove, "node-remove");
        PrintStream discard = new PrintStream(new ByteArrayOutputStream());
        return processor.createSession(new ByteArrayInputStream(new byte[0]), discard, discard);
    }

    @AfterEach
    void stop() {
        io.stop();
    }

    @Test
    void anIpv6NodeWorksQuotedOrNot() throws Exception {
        CommandSession s = session();
        s.execute("proxy:node-add conferencing [::1]:9006");
        s.execute("proxy:node-add conferencing [2001:db8::10]:443 weight=2 backup");
        s.execute("proxy:node-add conferencing '[::1]:9007'");
        s.execute("proxy:node-remove conferencing [::ffff:10.0.0.1]:443");
        s.execute("proxy:node-add conferencing 10.40.0.10:443");
        assertEquals(List.of("add conferencing [::1]:9006", "add conferencing [2001:db8::10]:443 weight=2 backup", "add conferencing [::1]:9007",
                "remove conferencing [::ffff:10.0.0.1]:443", "add conferencing 10.40.0.10:443"), calls);
    }

    @Test
    void aListThatIsNotAnAddressIsLeftAsItIs() throws Exception {
        assertEquals(List.of("c", "[a, b]", ":443"), Usage.words(List.of("c", List.of("a", "b"), ":443")));
        assertEquals(List.of("c", "[::1]"), Usage.words(List.of("c", List.of("::1"))));
        assertEquals(List.of("c", "[x]", ":443"), Usage.words(List.of("c", List.of("x"), ":443")));
    }
}
