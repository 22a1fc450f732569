package org.gatehouse.itests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Every feature of the features repository, installed alone (with the features it names), satisfies
 * the mandatory {@code osgi.service} requirements of its bundles: Karaf's resolver enforces them, and
 * {@code feature:install} of a shape missing one fails outright. bnd writes such a requirement for
 * every mandatory {@code @Reference}, also of a component that serves an optional feature (the shell's
 * LDAP commands, STUN over TLS), so a bundle with those must say otherwise. This reads the same
 * manifests Karaf does, for every feature at once, in a moment; {@link KarafFeatureIT} installs a few
 * shapes into a real Karaf.
 */
class FeatureServicesIT {

    /** Services every Karaf with the {@code scr} feature (and the Felix distribution) registers. */
    private static final Set<String> CONTAINER = Set.of("org.osgi.service.cm.ConfigurationAdmin",
            "org.osgi.service.component.runtime.ServiceComponentRuntime");

    private static final Pattern BUNDLE = Pattern.compile("mvn:org\\.gatehouse/([^/]+)/([^/]+)");
    private static final Pattern OBJECT_CLASS = Pattern.compile("\\(objectClass=([^)]+)\\)");

    @Test
    void everyFeatureAloneSatisfiesItsBundlesServiceRequirements() throws Exception {
        Path repository = Path.of(System.getProperty("karaf.repository"));
        String version = System.getProperty("gatehouse.version");
        Path featuresFile = repository.resolve("org/gatehouse/gatehouse-features/" + version + "/gatehouse-features-" + version + "-features.xml");
        Map<String, Element> features = new LinkedHashMap<>();
        NodeList all = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(featuresFile.toFile())
                .getDocumentElement().getElementsByTagName("feature");
        for (int i = 0; i < all.getLength(); i++) {
            Element f = (Element) all.item(i);
            if (f.hasAttribute("name")) {
                features.put(f.getAttribute("name"), f);
            }
        }
        assertFalse(features.isEmpty(), "no features in " + featuresFile);

        List<String> unsatisfied = new ArrayList<>();
        for (String name : features.keySet()) {
            Set<Path> bundles = new LinkedHashSet<>();
            collectBundles(name, features, repository, bundles, new LinkedHashSet<>());
            Set<String> provided = new TreeSet<>(CONTAINER);
            Map<String, String> required = new LinkedHashMap<>();
            for (Path jar : bundles) {
                Manifest m = Manifest.of(jar);
                provided.addAll(m.providedServices());
                for (String service : m.mandatoryServices()) {
                    required.putIfAbsent(service, jar.getFileName().toString());
                }
            }
            required.forEach((service, bundle) -> {
                if (!provided.contains(service)) {
                    unsatisfied.add("feature:install " + name + ": " + bundle + " requires a " + service + " service");
                }
            });
        }
        assertTrue(unsatisfied.isEmpty(), String.join("\n", unsatisfied));
    }

    /** The Gatehouse bundles of {@code name} and the features it names; third-party ones provide no services. */
    private static void collectBundles(String name, Map<String, Element> features, Path repository, Set<Path> bundles, Set<String> seen) {
        Element f = features.get(name);
        if (f == null || !seen.add(name)) {
            return; // a Karaf feature such as scr
        }
        NodeList children = f.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (!(children.item(i) instanceof Element e)) {
                continue;
            }
            String text = e.getTextContent().trim();
            if (e.getTagName().equals("feature")) {
                collectBundles(text, features, repository, bundles, seen);
            } else if (e.getTagName().equals("bundle")) {
                Matcher m = BUNDLE.matcher(text);
                if (m.matches()) {
                    String artifact = m.group(1);
                    String v = m.group(2);
                    bundles.add(repository.resolve("org/gatehouse/" + artifact + "/" + v + "/" + artifact + "-" + v + ".jar"));
                }
            }
        }
    }

    /** The {@code osgi.service} clauses of a bundle's manifest. */
    private record Manifest(List<String> requirements, List<String> capabilities) {

        static Manifest of(Path jar) throws IOException {
            assertTrue(Files.isRegularFile(jar), jar + " is missing");
            try (JarFile j = new JarFile(jar.toFile()); InputStream in = j.getInputStream(j.getEntry("META-INF/MANIFEST.MF"))) {
                java.util.jar.Manifest m = new java.util.jar.Manifest(in);
                return new Manifest(clauses(m.getMainAttributes().getValue("Require-Capability")),
                        clauses(m.getMainAttributes().getValue("Provide-Capability")));
            }
        }

        Set<String> mandatoryServices() {
            Set<String> out = new LinkedHashSet<>();
            for (String c : requirements) {
                if (c.startsWith("osgi.service;") && !c.replace(" ", "").contains("resolution:=optional")) {
                    Matcher m = OBJECT_CLASS.matcher(c);
                    if (m.find()) {
                        out.add(m.group(1));
                    }
                }
            }
            return out;
        }

        Set<String> providedServices() {
            Set<String> out = new LinkedHashSet<>();
            for (String c : capabilities) {
                Matcher m = Pattern.compile("objectClass(?::List<String>)?=\"([^\"]*)\"").matcher(c);
                if (c.startsWith("osgi.service;") && m.find()) {
                    for (String s : m.group(1).split(",")) {
                        out.add(s.trim());
                    }
                }
            }
            return out;
        }

        /** A header split at the commas outside quotes. */
        private static List<String> clauses(String header) {
            List<String> out = new ArrayList<>();
            if (header == null) {
                return out;
            }
            StringBuilder clause = new StringBuilder();
            boolean quoted = false;
            for (char ch : header.toCharArray()) {
                if (ch == '"') {
                    quoted = !quoted;
                }
                if (ch == ',' && !quoted) {
                    out.add(clause.toString().trim());
                    clause.setLength(0);
                } else {
                    clause.append(ch);
                }
            }
            out.add(clause.toString().trim());
            return out;
        }
    }
}
