package org.gatehouse.shell.internal;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Configuration Admin in memory, as FileInstall leaves it: configurations with the keys of their
 * files, factory configurations found by {@code (service.factoryPid=...)}, every update recorded.
 */
final class FakeConfigurations {

    /** Properties by PID; a factory configuration's PID is {@code factory~name}. */
    final Map<String, Hashtable<String, Object>> properties = new LinkedHashMap<>();
    /** PIDs updated, in order. */
    final List<String> updates = new ArrayList<>();

    /** A configuration as a file gives it, e.g. {@code with("org.gatehouse.core", "management-networks", "127.0.0.0/8, ::1")}. */
    FakeConfigurations with(String pid, String... keysAndValues) {
        Hashtable<String, Object> p = properties.computeIfAbsent(pid, k -> new Hashtable<>());
        int tilde = pid.indexOf('~');
        if (tilde > 0) {
            p.put("service.factoryPid", pid.substring(0, tilde));
        }
        for (int i = 0; i < keysAndValues.length; i += 2) {
            p.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return this;
    }

    String get(String pid, String key) {
        Hashtable<String, Object> p = properties.get(pid);
        return p == null ? null : (String) p.get(key);
    }

    ConfigurationAdmin admin() {
        return (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ConfigurationAdmin.class},
                (cm, method, args) -> switch (method.getName()) {
                    case "getConfiguration" -> configuration(String.valueOf(args[0]));
                    case "getFactoryConfiguration" -> {
                        String pid = args[0] + "~" + args[1];
                        properties.computeIfAbsent(pid, k -> null);
                        yield configuration(pid);
                    }
                    case "listConfigurations" -> {
                        String filter = String.valueOf(args[0]);
                        List<Configuration> found = new ArrayList<>();
                        properties.forEach((pid, p) -> {
                            if (p != null && filter.equals("(service.factoryPid=" + p.get("service.factoryPid") + ")")) {
                                found.add(configuration(pid));
                            }
                        });
                        yield found.isEmpty() ? null : found.toArray(new Configuration[0]);
                    }
                    default -> null;
                });
    }

    private Configuration configuration(String pid) {
        return (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Configuration.class},
                (c, m, a) -> switch (m.getName()) {
                    // A copy, as Configuration Admin hands out: nothing counts until update.
                    case "getProperties" -> properties.get(pid) == null ? null : new Hashtable<>(properties.get(pid));
                    case "getPid" -> pid;
                    case "getFactoryPid" -> pid.contains("~") ? pid.substring(0, pid.indexOf('~')) : null;
                    case "update" -> {
                        Hashtable<String, Object> p = new Hashtable<>();
                        Dictionary<?, ?> d = (Dictionary<?, ?>) a[0];
                        for (var keys = d.keys(); keys.hasMoreElements(); ) {
                            Object k = keys.nextElement();
                            p.put((String) k, d.get(k));
                        }
                        if (pid.contains("~")) {
                            p.put("service.factoryPid", pid.substring(0, pid.indexOf('~')));
                        }
                        properties.put(pid, p);
                        updates.add(pid);
                        yield null;
                    }
                    default -> null;
                });
    }
}
