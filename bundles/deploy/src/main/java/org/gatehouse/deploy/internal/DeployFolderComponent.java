package org.gatehouse.deploy.internal;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.InstallationPaths;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files in {@code deploy/} that FileInstall would pass over: a jar that is not an OSGi bundle
 * (FileInstall ignores it without a word, retrying it at every poll) and a configuration file
 * ({@code .cfg}, {@code .config}), which belongs in {@code etc/}: read from {@code deploy/} it
 * replaced its component's whole configuration, and deleting it left the component on its built-in
 * defaults (HTTPS on every interface, a pool's nodes gone). This installer takes those files ahead
 * of FileInstall's own (a higher service ranking), says in one WARN line why each is ignored, and
 * lists them under Problems in {@code gatehouse:status} while they are there. Bundle jars it leaves
 * to FileInstall.
 */
@Component(service = ArtifactInstaller.class, property = "service.ranking:Integer=1000")
public final class DeployFolderComponent implements ArtifactInstaller {

    private static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.deploy");

    private final Path folder;
    /** The ignored files by name, with why. */
    private final Map<String, String> ignored = new TreeMap<>();
    private ProblemSlot problem = new ProblemSlot(null);

    public DeployFolderComponent() {
        this(InstallationPaths.home().resolve("deploy"));
    }

    DeployFolderComponent(Path folder) {
        this.folder = folder.toAbsolutePath().normalize();
    }

    @Activate
    synchronized void activate(BundleContext context) {
        problem = new ProblemSlot(context);
        // The files already there: FileInstall tells a new installer nothing of files it has seen
        // (this component restarted with a core bundle refreshed, say), and they are still ignored.
        File[] files = folder.toFile().listFiles(File::isFile);
        for (File f : files == null ? new File[0] : files) {
            seen(f);
        }
    }

    @Deactivate
    synchronized void deactivate() {
        problem.clear();
    }

    @Override
    public boolean canHandle(File artifact) {
        if (!inFolder(artifact)) {
            return false;
        }
        if (!artifact.exists()) {
            // A file deleted whose installer FileInstall forgot (this component started again): a
            // configuration file is always this installer's (FileInstall's own would delete the
            // configuration of that name, etc/'s, and its file), a jar when it was ignored here; a
            // deleted bundle's jar is FileInstall's to uninstall.
            return DeployedFile.isConfiguration(artifact.getName()) || ignored().containsKey(artifact.getName());
        }
        return DeployedFile.whyIgnored(artifact.toPath()) != null;
    }

    @Override
    public void install(File artifact) {
        seen(artifact);
    }

    @Override
    public void update(File artifact) {
        seen(artifact);
    }

    @Override
    public synchronized void uninstall(File artifact) {
        if (ignored.remove(artifact.getName()) == null) {
            return;
        }
        if (!artifact.isFile()) {
            LOG.info("deploy/{} is no longer ignored (removed)", artifact.getName());
        } else if (artifact.setLastModified(Math.max(System.currentTimeMillis(), artifact.lastModified() + 1000))) {
            // Still there and a bundle now (a copy half-written when first seen, a jar replaced by a
            // bundle): FileInstall drops a file its installer no longer takes without installing it, and
            // looks at it again only once it changes. A new time is that change.
            LOG.info("deploy/{} is no longer ignored: it is a bundle now, deployed at FileInstall's next look", artifact.getName());
        } else {
            LOG.warn("deploy/{} is a bundle now, but its time could not be changed for FileInstall to see it: copy it again to deploy it",
                    artifact.getName());
        }
        problems();
    }

    private synchronized void seen(File artifact) {
        String why = DeployedFile.whyIgnored(artifact.toPath());
        if (why == null) {
            return;
        }
        if (!why.equals(ignored.put(artifact.getName(), why))) {
            // Once per file and reason: found at activation, then installed by FileInstall's first scan.
            LOG.warn("deploy/{} is ignored: {}", artifact.getName(), why);
        }
        problems();
    }

    /** Mirrors {@link #ignored} in one Problem (none while nothing is ignored). */
    private void problems() {
        List<String> parts = new ArrayList<>();
        ignored.forEach((name, why) -> parts.add(name + ": " + why));
        problem.set(parts.isEmpty() ? null : "deploy/ holds files that are ignored: " + String.join("; ", parts));
    }

    private boolean inFolder(File artifact) {
        Path parent = artifact.toPath().toAbsolutePath().normalize().getParent();
        return folder.equals(parent);
    }

    /** The problem shown in gatehouse:status, or null; for tests. */
    synchronized String problem() {
        return problem.text();
    }

    /** What this component holds as ignored, for tests. */
    synchronized Map<String, String> ignored() {
        return Map.copyOf(ignored);
    }
}
