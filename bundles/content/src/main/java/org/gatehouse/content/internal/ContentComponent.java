package org.gatehouse.content.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.tls.http.HttpRoute;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's custom web app content ({@code etc/org.gatehouse.content.cfg}): a route on the
 * HTTPS front door serving {@code folder} at {@code mount}. A folder that cannot be read is refused
 * with one log line and the folder in force keeps serving.
 */
@Component(name = "org.gatehouse.content", configurationPid = ContentSettings.PID, immediate = true, service = {})
@Designate(ocd = ContentConfiguration.class)
public final class ContentComponent {

    static final Logger LOG = LoggerFactory.getLogger("org.gatehouse.content");

    private final ContentRoute route = new ContentRoute();
    private ServiceRegistration<HttpRoute> registration;
    private BundleContext context;
    private ContentSettings inForce;
    /** The file refused, or the folder it names unusable, for gatehouse:status. */
    private ProblemSlot refused = new ProblemSlot(null);

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        this.context = context;
        refused = new ProblemSlot(context);
        try {
            apply(ContentSettings.read(properties));
            warnUnknownKeys(properties);
        } catch (InvalidSettingException e) {
            LOG.error("{}; serving no content until it is fixed", e.getMessage());
            refused.refused(e.getMessage(), "serving no content");
        }
    }

    @Modified
    void modified(Map<String, Object> properties) {
        try {
            apply(ContentSettings.read(properties));
            warnUnknownKeys(properties);
        } catch (InvalidSettingException e) {
            LOG.error("{}; keeping {}", e.getMessage(), describe());
            refused.refused(e.getMessage(), "keeping " + describe());
        }
    }

    /** A misspelt key is otherwise ignored without a word, its default in force. */
    private static void warnUnknownKeys(Map<String, Object> p) {
        Settings.unknownKeys(LOG::warn, ContentSettings.PID, p, () -> ContentSettings.read(p));
    }

    private String describe() {
        return inForce == null ? "no content served" : inForce.folder() + " at " + inForce.mount();
    }

    synchronized void apply(ContentSettings s) {
        Path real;
        try {
            if (!Files.isDirectory(s.folder())) {
                if (inForce != null) {
                    // A typo must not replace the files served with an empty folder made for it.
                    String why = s.source() + ": folder = " + s.folder() + " "
                            + (Files.exists(s.folder()) ? "is not a folder" : "does not exist (make it first)");
                    LOG.error("{}; keeping {}", why, describe());
                    refused.refused(why, "keeping " + describe());
                    return;
                }
                Files.createDirectories(s.folder());
                LOG.info("Content: made the empty folder {}", s.folder());
            }
            real = s.folder().toRealPath();
            if (!Files.isReadable(real)) {
                throw new IOException("not readable");
            }
        } catch (IOException | SecurityException e) {
            String why = s.source() + ": folder = " + s.folder() + " cannot be read (" + e.getMessage() + ")";
            LOG.error("{}; keeping {}", why, describe());
            refused.refused(why, "keeping " + describe());
            return;
        }
        route.serve(new ContentRoute.Served(s.folder(), real, s));
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(HttpRoute.PREFIX, s.mount());
        // Asked before a pool routed at the same prefix (the web app from the nodes): custom files win, the rest passes on.
        props.put(org.osgi.framework.Constants.SERVICE_RANKING, 10);
        if (registration == null) {
            registration = context == null ? null : context.registerService(HttpRoute.class, route, props);
        } else if (inForce == null || !inForce.mount().equals(s.mount())) {
            registration.setProperties(props);
        }
        inForce = s;
        refused.clear();
        LOG.info("Content: serving {} at {}", real, s.mount());
    }

    @Deactivate
    synchronized void deactivate() {
        refused.clear();
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            registration = null;
        }
    }

    ContentRoute route() {
        return route;
    }
}
