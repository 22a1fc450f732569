package org.gatehouse.status.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.gatehouse.core.Problem;
import org.gatehouse.status.Metrics;
import org.gatehouse.status.MetricsSource;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The {@link Problem}s bundles report now (a listener that cannot open, a file refused in deploy/,
 * ...), at the top of the page in the words gatehouse:status lists them under Problems, and counted,
 * so that a scrape can alert on them. Those of this bundle are left out: its only one says that no
 * status listener is open, and while it lasts nothing of this is served.
 */
@Component(name = "org.gatehouse.status.problems", service = {MetricsSource.class, PageSection.class})
public final class ProblemStatus implements MetricsSource, PageSection {

    private record Reported(Problem problem, long bundle) {
    }

    private final long ownBundle;
    /** In the order they were reported, as they come and go. */
    private final List<Reported> reported = new CopyOnWriteArrayList<>();

    @Activate
    public ProblemStatus(BundleContext context) {
        this(context == null ? -1 : context.getBundle().getBundleId());
    }

    /** @param ownBundle the id of the bundle whose Problems are not shown (-1: none) */
    ProblemStatus(long ownBundle) {
        this.ownBundle = ownBundle;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindProblem(Problem p, Map<String, Object> properties) {
        Object bundle = properties.get(Constants.SERVICE_BUNDLEID);
        reported.add(new Reported(p, bundle instanceof Long id ? id : -1));
    }

    void unbindProblem(Problem p) {
        reported.removeIf(r -> r.problem() == p);
    }

    /** The Problems shown, in the order they were reported. */
    private List<Problem> shown() {
        List<Problem> out = new ArrayList<>();
        for (Reported r : reported) {
            if (ownBundle < 0 || r.bundle() != ownBundle) {
                out.add(r.problem());
            }
        }
        return out;
    }

    @Override
    public void collect(Metrics m) {
        m.gauge("gatehouse_problems", "Problems reported now, which gatehouse:status and the status page list under Problems (0: none).",
                shown().size());
    }

    @Override
    public int order() {
        return -10;
    }

    @Override
    public void render(Html page) {
        List<Problem> now = shown();
        if (now.isEmpty()) {
            // Other blocks mark their own problems where they are; a "None." here would contradict them.
            return;
        }
        page.heading("Problems");
        for (Problem p : now) {
            String text;
            try {
                text = p.text();
            } catch (RuntimeException e) {
                text = "a reported problem cannot be read: " + e;
            }
            page.problem(text);
        }
    }
}
