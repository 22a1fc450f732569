package org.gatehouse.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.ops4j.pax.exam.Option;

/** Pax Exam options that boot the distribution's own bundle set from {@code system/}. */
final class FelixOptions {

    /** Folder FileInstall watches in the framework; tests find it through this system property. */
    static final String WATCHED = "gatehouse.itest.watched";

    private FelixOptions() {
    }

    /**
     * Every bundle in system/ except the local console (it would read the test JVM's stdin) and those
     * {@code leaveOut} matches, plus FileInstall watching a fresh folder.
     */
    static Option distribution(Predicate<Path> leaveOut) {
        Path watched;
        try {
            watched = Files.createTempDirectory("gatehouse-watched");
            Files.writeString(watched.resolve("org.gatehouse.stun.cfg"), Distribution.LOOPBACK_STUN);
            Files.writeString(watched.resolve("org.gatehouse.tls.cfg"), Distribution.LOOPBACK_HTTP);
            Files.writeString(watched.resolve("org.gatehouse.status.cfg"), Distribution.LOOPBACK_STATUS);
            Files.writeString(watched.resolve("org.gatehouse.ssh.cfg"), Distribution.LOOPBACK_SSH);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Option> options = new ArrayList<>();
        for (Path jar : Distribution.jars("system")) {
            String name = jar.getFileName().toString();
            if (name.startsWith("org.apache.felix.gogo.jline") || leaveOut.test(jar)) {
                continue;
            }
            boolean early = name.startsWith("pax-logging") || name.startsWith("org.apache.felix.configadmin")
                    || name.startsWith("org.apache.felix.fileinstall");
            options.add(bundle(jar.toUri().toString()).startLevel(early ? 1 : 2).start(!isFragment(name)));
        }
        options.add(frameworkProperty("felix.fileinstall.dir").value(watched.toString()));
        options.add(frameworkProperty("felix.fileinstall.poll").value("200"));
        options.add(frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
        options.add(frameworkProperty("felix.fileinstall.filter").value(".*\\.(jar|cfg|config)"));
        // As the launcher: the watched files are never written back.
        options.add(frameworkProperty("felix.fileinstall.enableConfigSave").value("false"));
        options.add(systemProperty(WATCHED).value(watched.toString()));
        // The TLS bundle keeps its self-signed certificate under gatehouse.home/data: a temporary folder here.
        options.add(systemProperty("gatehouse.home").value(watched.toString()));
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        options.add(junitBundles());
        return composite(options.toArray(new Option[0]));
    }

    private static boolean isFragment(String fileName) {
        return fileName.startsWith("netty-transport-native-epoll") || fileName.startsWith("netty-transport-native-io_uring")
                || fileName.startsWith("netty-tcnative-boringssl-static");
    }
}
