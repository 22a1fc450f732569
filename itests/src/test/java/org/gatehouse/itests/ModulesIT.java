package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every Gatehouse bundle in the distribution is a named JPMS module whose name is its
 * Bundle-SymbolicName and whose exports are exactly its Export-Package, and each resolves against the
 * jars the distribution ships. The launcher is a named module that resolves from lib/ alone.
 */
class ModulesIT {

    @Test
    void everyGatehouseBundleIsANamedModuleMatchingItsManifest() throws Exception {
        List<Path> ours = Distribution.jars("system").stream()
                .filter(Distribution.startsWith("org.gatehouse.")).collect(Collectors.toList());
        assertTrue(ours.size() >= 2, "Gatehouse bundles in system/: " + ours);
        for (Path jar : ours) {
            ModuleDescriptor d = ModuleFinder.of(jar).findAll().iterator().next().descriptor();
            String bsn;
            Set<String> exported = new TreeSet<>();
            try (JarFile j = new JarFile(jar.toFile())) {
                var attrs = j.getManifest().getMainAttributes();
                bsn = attrs.getValue("Bundle-SymbolicName").split(";")[0].strip();
                String exports = attrs.getValue("Export-Package");
                if (exports != null) {
                    for (String clause : exports.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
                        String pkg = clause.split(";")[0].strip();
                        if (!pkg.isEmpty() && !pkg.contains("=")) {
                            exported.add(pkg);
                        }
                    }
                }
            }
            assertFalse(d.isAutomatic(), jar + " has no module-info");
            assertFalse(d.isOpen(), jar + " is an open module");
            assertEquals(bsn, d.name(), jar.toString());
            Set<String> moduleExports = d.exports().stream().filter(e -> !e.isQualified())
                    .map(ModuleDescriptor.Exports::source).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(exported, moduleExports, jar + ": module exports vs Export-Package");
            assertTrue(d.packages().stream().filter(p -> p.contains(".internal")).noneMatch(moduleExports::contains), jar.toString());
        }
    }

    @Test
    void everyGatehouseModuleResolvesAgainstTheShippedJars() throws Exception {
        List<Path> path = new ArrayList<>(Distribution.jars("system"));
        path.removeIf(Distribution.startsWith("netty-transport-native-epoll")); // fragment: same packages as classes-epoll
        path.removeIf(Distribution.startsWith("netty-transport-native-io_uring")); // fragment: same packages as classes-io_uring
        path.removeIf(Distribution.startsWith("pax-logging")); // exports org.slf4j but not as module org.slf4j
        // The standard modules for the APIs whose OSGi providers ship under other module names.
        path.add(jarOf(org.slf4j.Logger.class));
        path.add(onClassPath("osgi.core-"));
        // Felix ConfigAdmin carries the org.osgi.service.cm API under its own module name.
        path.removeIf(Distribution.startsWith("org.apache.felix.configadmin"));
        path.add(onClassPath("org.osgi.service.cm-"));
        ModuleFinder finder = ModuleFinder.of(path.toArray(new Path[0]));
        for (ModuleReference ref : finder.findAll()) {
            String name = ref.descriptor().name();
            if (!name.startsWith("org.gatehouse.")) {
                continue;
            }
            Configuration cf = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(), Set.of(name));
            assertTrue(cf.findModule(name).isPresent(), name);
        }
    }

    @Test
    void launcherIsANamedModuleResolvingFromLib() {
        ModuleFinder lib = ModuleFinder.of(Distribution.home().resolve("lib"));
        ModuleDescriptor d = lib.find("org.gatehouse.launcher").orElseThrow().descriptor();
        assertFalse(d.isAutomatic());
        assertTrue(d.exports().stream().anyMatch(e -> e.source().equals("org.gatehouse.launcher.command")));
        Configuration cf = ModuleLayer.boot().configuration().resolve(lib, ModuleFinder.of(), Set.of("org.gatehouse.launcher"));
        assertTrue(cf.findModule("org.apache.felix.framework").isPresent());
    }

    private static Path onClassPath(String fileNamePrefix) {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (p.getFileName().toString().startsWith(fileNamePrefix)) {
                return p;
            }
        }
        throw new IllegalStateException(fileNamePrefix + "*.jar is not on the test class path");
    }

    private static Path jarOf(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
