package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;

/** Felix's commands that take bundles get them from an id or a symbolic name, as typed. */
class BundleConverterTest {

    private final ThreadIOImpl io = new ThreadIOImpl();
    private final List<String> stopped = new ArrayList<>();

    /** The shape of Felix's {@code stop(boolean, Bundle[])} and {@code headers(Bundle[])}. */
    public final class Felix {
        public void stop(Bundle[] bundles) {
            Arrays.stream(bundles).forEach(b -> stopped.add(b.getBundleId() + " " + b.getSymbolicName()));
        }
    }

    private static Bundle bundle(long id, String name, String version) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class}, (p, m, a) -> switch (m.getName()) {
            case "getBundleId" -> id;
            case "getSymbolicName" -> name;
            case "getVersion" -> Version.parseVersion(version);
            case "getLocation" -> "file:/opt/gatehouse/system/" + name + ".jar";
            case "hashCode" -> (int) id;
            case "equals" -> p == a[0];
            default -> throw new UnsupportedOperationException(m.getName());
        });
    }

    private CommandSession session() {
        Bundle[] bundles = {bundle(0, "org.apache.felix.framework", "7.0.5"), bundle(36, "org.gatehouse.turn", "0.1.0"),
                bundle(37, "org.gatehouse.stun", "0.1.0")};
        BundleContext context = (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (p, m, a) -> switch (m.getName()) {
                    case "getBundles" -> bundles;
                    case "getBundle" -> Arrays.stream(bundles).filter(b -> b.getBundleId() == (Long) a[0]).findFirst().orElse(null);
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        BundleConverter converter = new BundleConverter();
        converter.activate(context);
        io.start();
        CommandProcessorImpl processor = new CommandProcessorImpl(io);
        processor.addConverter(converter);
        processor.addCommand("felix", new Felix(), "stop");
        PrintStream discard = new PrintStream(new ByteArrayOutputStream());
        return processor.createSession(new ByteArrayInputStream(new byte[0]), discard, discard);
    }

    @AfterEach
    void stop() {
        io.stop();
    }

    @Test
    void aBundleIsFoundByIdOrSymbolicName() throws Exception {
        CommandSession s = session();
        s.execute("stop 36");
        s.execute("felix:stop org.gatehouse.stun");
        s.execute("stop 36 org.gatehouse.stun");
        assertEquals(List.of("36 org.gatehouse.turn", "37 org.gatehouse.stun", "36 org.gatehouse.turn", "37 org.gatehouse.stun"), stopped);
    }
}
