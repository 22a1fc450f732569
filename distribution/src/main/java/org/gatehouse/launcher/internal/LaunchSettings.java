package org.gatehouse.launcher.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.configuration2.PropertiesConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.io.FileHandler;

/**
 * The launcher's settings: built-in defaults that start a working server with no file at all, then
 * {@code etc/gatehouse.properties} on top. Values may use {@code ${env:NAME}}, {@code ${sys:name}} and
 * other keys of the same file. Keys under {@code gatehouse.launcher.} steer the launcher; every other
 * key is an OSGi framework property.
 */
public final class LaunchSettings {

    static final String FILE = "etc/gatehouse.properties";
    static final String EARLY_BUNDLES = "gatehouse.launcher.early-bundles";
    static final String SHUTDOWN_TIMEOUT = "gatehouse.launcher.shutdown-timeout";
    static final String CONSOLE_BUNDLES = "gatehouse.launcher.console-bundles";
    static final String CONSOLE_LOG_LEVEL = "gatehouse.console.log.level";

    /** Start levels: logging first so every bundle's first line is captured, hot-deployed bundles last. */
    static final int LEVEL_EARLY = 1;
    static final int LEVEL_SYSTEM = 2;
    static final int LEVEL_DEPLOY = 3;

    private final Path home;
    private final Map<String, String> frameworkProperties;
    private final List<String> earlyBundles;
    private final List<String> consoleBundles;
    private final int shutdownTimeoutSeconds;
    private final boolean interactive;

    private LaunchSettings(Path home, Map<String, String> frameworkProperties, List<String> earlyBundles,
            List<String> consoleBundles, int shutdownTimeoutSeconds, boolean interactive) {
        this.consoleBundles = consoleBundles;
        this.home = home;
        this.frameworkProperties = frameworkProperties;
        this.earlyBundles = earlyBundles;
        this.shutdownTimeoutSeconds = shutdownTimeoutSeconds;
        this.interactive = interactive;
    }

    public static LaunchSettings load(Path home, boolean interactive) throws BadSettingsException {
        Path data = home.resolve("data");
        // FileInstall and pax-logging substitute ${gatehouse.home} and ${gatehouse.data} in etc/*.cfg.
        System.setProperty("gatehouse.home", home.toString());
        System.setProperty("gatehouse.data", data.toString());

        PropertiesConfiguration config = new PropertiesConfiguration();
        Path file = home.resolve(FILE);
        if (Files.isRegularFile(file)) {
            try {
                new FileHandler(config).load(file.toFile());
            } catch (ConfigurationException e) {
                throw new BadSettingsException(FILE + ": " + rootMessage(e) + "; fix the file or remove it to use the built-in defaults");
            }
        }
        // Defaults only where the file is silent (loading on top would add a second value, not replace).
        defaults(home, data, interactive).forEach((k, v) -> {
            if (!config.containsKey(k)) {
                config.setProperty(k, v);
            }
        });
        Map<String, String> framework = new LinkedHashMap<>();
        for (Iterator<String> keys = config.getKeys(); keys.hasNext(); ) {
            String key = keys.next();
            int times = config.getList(key).size();
            if (times > 1) {
                // The file reader keeps the first value where .cfg files (and the operator) expect the last.
                throw new BadSettingsException(FILE + ": " + key + " is set " + times + " times; keep one");
            }
            String value;
            try {
                value = config.getString(key);
            } catch (RuntimeException e) {
                throw new BadSettingsException(FILE + ": " + key + " cannot be resolved: " + rootMessage(e));
            }
            if (!key.startsWith("gatehouse.launcher.")) {
                framework.put(key, value);
            }
        }
        // The logging backend reads etc/org.ops4j.pax.logging.cfg before ConfigAdmin runs and only
        // substitutes system properties there.
        System.setProperty(CONSOLE_LOG_LEVEL, config.getString(CONSOLE_LOG_LEVEL));
        List<String> early = names(config.getString(EARLY_BUNDLES, ""));
        List<String> consoleOnly = names(config.getString(CONSOLE_BUNDLES, ""));
        String timeoutText = config.getString(SHUTDOWN_TIMEOUT, "30");
        int timeout;
        try {
            timeout = Integer.parseInt(timeoutText.strip());
            if (timeout < 1) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new BadSettingsException(FILE + ": " + SHUTDOWN_TIMEOUT + " = '" + timeoutText + "' is not a positive number of seconds");
        }
        return new LaunchSettings(home, framework, early, consoleOnly, timeout, interactive);
    }

    private static List<String> names(String commaSeparated) {
        List<String> out = new ArrayList<>();
        for (String s : commaSeparated.split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    static Map<String, String> defaults(Path home, Path data, boolean interactive) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("org.osgi.framework.storage", data.resolve("cache").toString());
        // etc/ and system/ are the truth: every start installs from them into a fresh cache.
        d.put("org.osgi.framework.storage.clean", "onFirstInit");
        d.put("org.osgi.framework.startlevel.beginning", String.valueOf(LEVEL_DEPLOY));
        d.put("felix.startlevel.bundle", String.valueOf(LEVEL_SYSTEM));
        d.put("felix.fileinstall.dir", home.resolve("deploy") + "," + home.resolve("etc"));
        d.put("felix.fileinstall.filter", ".*\\.(jar|cfg|config)");
        d.put("felix.fileinstall.poll", "1000");
        d.put("felix.fileinstall.noInitialDelay", "true");
        d.put("felix.fileinstall.start.level", String.valueOf(LEVEL_DEPLOY));
        // etc/*.cfg are the operator's files: FileInstall reads them and does not write them back. With
        // its write-back on (its own default, and Karaf's) it rewrites a file, in place, moments after
        // every edit it applies, and an edit saved in that moment is lost; the commands that change a
        // file (setup, proxy:node-*) write it themselves and hand it to ConfigAdmin.
        d.put("felix.fileinstall.enableConfigSave", "false");
        d.put("felix.fileinstall.tmpdir", data.resolve("tmp").toString());
        d.put("felix.fileinstall.log.level", "3");
        d.put("ds.loglevel", "warn");
        d.put("org.ops4j.pax.logging.property.file", home.resolve("etc/org.ops4j.pax.logging.cfg").toString());
        d.put(CONSOLE_LOG_LEVEL, interactive ? "WARN" : "INFO");
        // Headless runs leave out the local console (it would only find a dumb terminal); the
        // command runtime stays for remote administration.
        d.put(CONSOLE_BUNDLES, "org.apache.felix.gogo.jline");
        // Logging first so every bundle's first line is captured; ConfigAdmin and FileInstall next so
        // that etc/*.cfg is in place before any component activates. The deploy folder's installer
        // (with SCR, which makes it) before FileInstall: FileInstall's first scan runs as it starts, and
        // a .cfg left in deploy/ was applied by it then, never reported.
        d.put(EARLY_BUNDLES, "org.ops4j.pax.logging.pax-logging-api, org.ops4j.pax.logging.pax-logging-log4j2, "
                + "org.apache.felix.configadmin, org.apache.felix.scr, org.gatehouse.deploy, org.apache.felix.fileinstall");
        d.put(SHUTDOWN_TIMEOUT, "30");
        return d;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    public Path home() {
        return home;
    }

    public Path systemFolder() {
        return home.resolve("system");
    }

    public Map<String, String> frameworkProperties() {
        return frameworkProperties;
    }

    /** Position of the bundle in the early list, or -1; early bundles install (and so start) in this order. */
    public int earlyRank(String symbolicName) {
        return earlyBundles.indexOf(symbolicName);
    }

    public int startLevel(String symbolicName) {
        return earlyBundles.contains(symbolicName) ? LEVEL_EARLY : LEVEL_SYSTEM;
    }

    /** Whether the bundle belongs in this run: console bundles only run with an interactive terminal. */
    public boolean wanted(String symbolicName) {
        return interactive || !consoleBundles.contains(symbolicName);
    }

    public int shutdownTimeoutSeconds() {
        return shutdownTimeoutSeconds;
    }

    public boolean interactive() {
        return interactive;
    }

    /** A settings file the launcher cannot use; the message names the file and key. */
    public static final class BadSettingsException extends Exception {
        private static final long serialVersionUID = 1L;

        BadSettingsException(String message) {
            super(message);
        }
    }
}
