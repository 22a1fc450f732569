package org.gatehouse.shell.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.Bundle;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Namespace;

/**
 * Why a bundle stays installed (not resolved): the packages it imports that no installed bundle
 * exports, as the framework's wiring sees them now. gatehouse:status says so next to the bundle, so an
 * operator who moved a bundle out of {@code system/} (a deployment shape without HTTPS, say) learns
 * which other bundle needs it without reading the framework's resolver message in the log.
 */
final class Unresolved {

    private static final Pattern PACKAGE = Pattern.compile("\\(osgi\\.wiring\\.package=([^)]+)\\)");
    /** A version bound of a package filter, negated ({@code (!(version>=2.0.0))}) or not. */
    private static final Pattern VERSION = Pattern.compile("(\\(!)?\\(version(>=|<=|=)([^)]+)\\)");

    private Unresolved() {
    }

    /**
     * {@code ": it needs package a.b (version [1.2,2)), which no installed bundle exports"} (all such
     * packages, comma-separated), or "" when the bundle is not installed-only or no missing package
     * explains it (the log then has the framework's reason).
     */
    static String why(Bundle b, FrameworkWiring wiring) {
        if (wiring == null || b.getState() != Bundle.INSTALLED) {
            return "";
        }
        BundleRevision revision = b.adapt(BundleRevision.class);
        if (revision == null) {
            return "";
        }
        List<String> missing = new ArrayList<>();
        for (BundleRequirement r : revision.getDeclaredRequirements(PackageNamespace.PACKAGE_NAMESPACE)) {
            if (Namespace.RESOLUTION_OPTIONAL.equals(r.getDirectives().get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE))) {
                continue;
            }
            if (wiring.findProviders(r).isEmpty()) {
                missing.add(describe(r.getDirectives().get(Namespace.REQUIREMENT_FILTER_DIRECTIVE)));
            }
        }
        if (missing.isEmpty()) {
            return "";
        }
        return ": it needs " + (missing.size() == 1 ? "package " : "packages ") + String.join(", ", missing) + ", which no installed bundle exports";
    }

    /**
     * A package requirement's filter in words: {@code (&(osgi.wiring.package=a.b)(version>=1.2.0)(!(version>=2.0.0)))}
     * becomes {@code a.b (version >=1.2.0, <2.0.0)}; anything else is shown as it is.
     */
    static String describe(String filter) {
        if (filter == null) {
            return "?";
        }
        Matcher name = PACKAGE.matcher(filter);
        if (!name.find()) {
            return filter;
        }
        List<String> bounds = new ArrayList<>();
        Matcher at = VERSION.matcher(filter);
        while (at.find()) {
            String op = at.group(2);
            if (at.group(1) != null) {
                op = op.equals(">=") ? "<" : op.equals("<=") ? ">" : "!=";
            }
            bounds.add(op + at.group(3));
        }
        return name.group(1) + (bounds.isEmpty() ? "" : " (version " + String.join(", ", bounds) + ")");
    }
}
