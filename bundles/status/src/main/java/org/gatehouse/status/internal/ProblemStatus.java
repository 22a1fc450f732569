package org.gatehouse.status.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.gatehouse.core.Problem;
import org.gatehouse.status.Metrics;
import org.gatehouse.status.MetricsSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The {@link Problem}s bundles report now (a listener that cannot open, a file refused in deploy/,
 * ...), at the top of the page in the words gatehouse:status lists them under Problems, and counted,
 * so that a scrape can alert on them. This bundle's own are among them (its file refused, one of its
 * listeners not open): while no status listener is open nothing of this is served, but whenever the
 * page is, it and the count agree with gatehouse:status.
 */
@Component(name = "org.gatehouse.status.problems", service = {MetricsSource.class, PageSection.class})
public final class ProblemStatus implements MetricsSource, PageSection {

    /** In the order they were reported, as they come and go. */
    private final List<Problem> reported = new CopyOnWriteArrayList<>();

    @Activate
    public ProblemStatus() {
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindProblem(Problem p) {
        reported.add(p);
    }

    void unbindProblem(Problem p) {
        reported.removeIf(r -> r == p);
    }

    /** The Problems shown, in the order they were reported. */
    private List<Problem> shown() {
        return new ArrayList<>(reported);
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
