package org.gatehouse.launcher.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.gatehouse.launcher.command.ShutdownCommand;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import sun.misc.Signal;

/** Boots the framework, installs {@code system/}, and turns signals and the shell into a clean stop. */
public final class Boot {

    /** {@link #run()} result when the framework asked to be started again ({@code update 0} in the shell). */
    public static final int RESTART = -1;

    private final LaunchSettings settings;
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    /** The locations of the bundles installed from {@code system/}. */
    private final Set<String> shipped = ConcurrentHashMap.newKeySet();
    /** The framework has started and said so (the class-data mark written). */
    private volatile boolean reportedStarted;

    public Boot(LaunchSettings settings) {
        this.settings = settings;
    }

    public int run() throws Exception {
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework in lib/"));
        Framework framework = factory.newFramework(settings.frameworkProperties());
        framework.init();
        BundleContext context = framework.getBundleContext();
        // Before the bundles are installed: after an update 0, a signal must reach this framework,
        // not the one that has just stopped.
        // Every way of stopping gets the shutdown timeout: a signal, the shutdown command, the console's
        // exit, a bundle stopping the framework. Each stops the system bundle, told here first.
        AtomicBoolean watching = new AtomicBoolean();
        Runnable watch = () -> {
            if (watching.compareAndSet(false, true)) {
                startWatchdog(framework);
            }
        };
        context.addBundleListener((SynchronousBundleListener) event -> {
            if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
                watch.run();
            }
        });
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopping.compareAndSet(false, true)) {
                watch.run();
                try {
                    framework.stop();
                } catch (BundleException e) {
                    err.println("gatehouse: stop failed: " + e.getMessage());
                }
            }
        };
        // SIGTERM (service managers) and SIGINT stop the framework in order; the process then exits 0.
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), s -> stop.run());
            } catch (IllegalArgumentException e) {
                // Signal not available on this platform; the shutdown hook below still stops bundles.
            }
        }
        Thread hook = new Thread(() -> {
            stop.run();
            awaitStop(framework);
        }, "gatehouse-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            installSystemBundles(context);
        } catch (IllegalStateException e) {
            if (!stopping.get()) {
                throw e;
            }
        }
        if (stopping.get()) {
            // Stopped by a signal while the bundles were being installed: its context is gone.
            awaitStop(framework);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
            out.println("Gatehouse stopped.");
            return 0;
        }
        context.addBundleListener((SynchronousBundleListener) event -> {
            Bundle gone = event.getBundle();
            // FileInstall "updates" a shipped bundle with a jar of the same name and version dropped
            // into deploy/, and uninstalls it when that jar is deleted: the shipped one comes back
            // instead, as the operator expects. An uninstall typed in the shell is left alone.
            if (event.getType() == BundleEvent.UNINSTALLED && shipped.contains(gone.getLocation())
                    && framework.getState() == Bundle.ACTIVE && Thread.currentThread().getName().startsWith("fileinstall")) {
                Thread t = new Thread(() -> reinstall(context, gone.getLocation(), gone.getSymbolicName()), "gatehouse-reinstall");
                t.setDaemon(true);
                t.start();
            }
        });

        Hashtable<String, Object> commandProps = new Hashtable<>();
        commandProps.put("osgi.command.scope", "gatehouse");
        commandProps.put("osgi.command.function", new String[] {"shutdown"});
        context.registerService(ShutdownCommand.class, new ShutdownCommand(framework), commandProps);

        context.addFrameworkListener(event -> {
            if (event.getType() == FrameworkEvent.STARTED) {
                reportStarted(context);
            } else if (event.getType() == FrameworkEvent.ERROR && event.getThrowable() != null) {
                Bundle b = event.getBundle();
                err.println("gatehouse: " + (b == null ? "" : b.getSymbolicName() + ": ") + event.getThrowable().getMessage());
            }
        });


        if (!stopping.get()) {
            framework.start();
        }
        FrameworkEvent last = framework.waitForStop(0);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
        if (reportedStarted) {
            // Again at the end: a second bin/gatehouse on this folder, refused by the lock, has removed
            // the mark with the archives of other JVMs (the script cannot see the lock).
            markStartedForClassDataSharing();
        }
        if (last.getType() == FrameworkEvent.ERROR) {
            err.println("gatehouse: stopped after an error: " + last.getThrowable());
            return 1;
        }
        if (last.getType() == FrameworkEvent.STOPPED_UPDATE || last.getType() == FrameworkEvent.STOPPED_SYSTEM_REFRESHED) {
            out.println("Gatehouse restarting.");
            return RESTART;
        }
        out.println("Gatehouse stopped.");
        return 0;
    }

    /**
     * A bundle whose stop hangs must not keep the process alive past the configured timeout: service
     * managers would otherwise wait for their own kill timer.
     */
    private void startWatchdog(Framework framework) {
        Thread watchdog = new Thread(() -> {
            try {
                FrameworkEvent e = framework.waitForStop(settings.shutdownTimeoutSeconds() * 1000L);
                if (e.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                    err.println("gatehouse: bundles did not stop within " + settings.shutdownTimeoutSeconds()
                            + " s (gatehouse.launcher.shutdown-timeout); exiting");
                    Runtime.getRuntime().halt(1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "gatehouse-shutdown-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void awaitStop(Framework framework) {
        try {
            framework.waitForStop(settings.shutdownTimeoutSeconds() * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void installSystemBundles(BundleContext context) throws IOException {
        List<Path> jars;
        try (Stream<Path> files = Files.list(settings.systemFolder())) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
        // Felix starts the bundles of one start level in install order: the early ones go first, as listed.
        Map<Path, String> names = new HashMap<>();
        for (Path jar : jars) {
            try {
                names.put(jar, symbolicName(jar));
            } catch (IOException e) {
                err.println("gatehouse: system/" + jar.getFileName() + " is not a readable jar: " + e.getMessage());
            }
        }
        jars.removeIf(j -> !names.containsKey(j));
        jars.sort(Comparator.comparingInt((Path j) -> {
            int rank = settings.earlyRank(names.get(j));
            return rank < 0 ? Integer.MAX_VALUE : rank;
        }).thenComparing(Path::getFileName));
        List<Bundle> toStart = new ArrayList<>();
        for (Path jar : jars) {
            try {
                if (!settings.wanted(names.get(jar))) {
                    continue;
                }
                Bundle b = context.installBundle(jar.toUri().toString());
                b.adapt(BundleStartLevel.class).setStartLevel(settings.startLevel(b.getSymbolicName()));
                shipped.add(b.getLocation());
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    toStart.add(b);
                }
            } catch (BundleException e) {
                err.println("gatehouse: system/" + jar.getFileName() + " is not installable: " + e.getMessage());
            }
        }
        for (Bundle b : toStart) {
            try {
                // Marks the bundle persistently started; it starts when the start level reaches it.
                b.start();
            } catch (BundleException e) {
                err.println("gatehouse: " + b.getSymbolicName() + " cannot start: " + e.getMessage());
            }
        }
    }

    /** Installs and starts a shipped bundle again, from its jar in {@code system/}. */
    private void reinstall(BundleContext context, String location, String name) {
        try {
            Bundle b = context.installBundle(location);
            b.adapt(BundleStartLevel.class).setStartLevel(settings.startLevel(b.getSymbolicName()));
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                b.start();
            }
            out.println("gatehouse: " + name + ": its replacement was removed from deploy/; the shipped " + location
                    + " is installed and started again");
        } catch (BundleException | IllegalStateException e) {
            err.println("gatehouse: " + name + ": its replacement was removed from deploy/ and the shipped " + location
                    + " could not be installed again (" + e.getMessage() + "); it is back at the next start");
        }
    }

    private void reportStarted(BundleContext context) {
        long millis = ManagementFactory.getRuntimeMXBean().getUptime();
        int active = 0;
        List<String> notActive = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getState() == Bundle.ACTIVE) {
                active++;
            } else if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                notActive.add(b.getSymbolicName());
            }
        }
        String version = versionOf(context);
        int listeners = 0;
        try {
            // By name: the launcher sits outside the framework and does not link against the core bundle.
            ServiceReference<?>[] refs = context.getServiceReferences("org.gatehouse.core.Listener", null);
            listeners = refs == null ? 0 : refs.length;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        out.println("Gatehouse " + version + " started in " + millis + " ms: " + active + " bundles active, "
                + listeners + " listening socket" + (listeners == 1 ? "" : "s")
                + (notActive.isEmpty() ? "" : "; NOT active: " + String.join(", ", notActive)));
        reportedStarted = true;
        markStartedForClassDataSharing();
    }

    /**
     * bin/gatehouse keeps the class-data archive this JVM records at its exit only when this mark
     * exists: the server started, so the archive holds the classes a start loads (an early exit's
     * would hold the launcher's only).
     */
    private static void markStartedForClassDataSharing() {
        String mark = System.getProperty("gatehouse.cds.started");
        if (mark == null) {
            return;
        }
        try {
            Files.writeString(Path.of(mark), "");
        } catch (IOException | RuntimeException e) {
            // The archive is recorded again at the next start.
        }
    }

    private static String versionOf(BundleContext context) {
        for (Bundle b : context.getBundles()) {
            if ("org.gatehouse.core".equals(b.getSymbolicName())) {
                return b.getVersion().toString();
            }
        }
        return "(core bundle missing)";
    }

    private static String symbolicName(Path jar) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            Manifest m = j.getManifest();
            String bsn = m == null ? null : m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            return bsn == null ? "" : bsn.split(";")[0].strip();
        }
    }
}
