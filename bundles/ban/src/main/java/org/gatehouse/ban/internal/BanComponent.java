package org.gatehouse.ban.internal;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.gatehouse.ban.Ban;
import org.gatehouse.ban.BanList;
import org.gatehouse.ban.BanStatistics;
import org.gatehouse.ban.FailureCount;
import org.gatehouse.core.Background;
import org.gatehouse.core.ManagementNetworks;
import org.gatehouse.core.ProblemSlot;
import org.gatehouse.core.config.InvalidSettingException;
import org.gatehouse.core.config.Settings;
import org.gatehouse.core.net.AddressSet;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpFilter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The PIN brute-force ban ({@code etc/org.gatehouse.ban.cfg}): an {@link HttpFilter} on the HTTPS
 * front door, ranked before the other filters so a banned address costs no authentication work, and
 * the {@link BanList} the shell administers it through. A bad value is refused with one log line and
 * the settings in force stay.
 */
@Component(name = "org.gatehouse.ban", configurationPid = BanSettings.PID, immediate = true,
        service = {HttpFilter.class, BanList.class}, property = "service.ranking:Integer=1000")
@Designate(ocd = BanConfiguration.class)
public final class BanComponent implements HttpFilter, BanList {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ManagementNetworks managementNetworks;

    private final BanTable table;
    private final BanFilter filter;
    private ScheduledExecutorService sweeper;

    public BanComponent() {
        this(Ticker.system());
    }

    BanComponent(Ticker ticker) {
        table = new BanTable(ticker);
        filter = new BanFilter(table, this::exempt);
    }

    private boolean exempt(InetAddress address) {
        ManagementNetworks m = managementNetworks;
        return m != null && table.settings().exemptManagementNetworks() && m.permits(address);
    }

    /** The ban file refused, for gatehouse:status. */
    private ProblemSlot refused = new ProblemSlot(null);

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        refused = new ProblemSlot(context);
        try {
            apply(BanSettings.read(properties));
            warnUnknownKeys(properties);
        } catch (InvalidSettingException e) {
            BanTable.LOG.error("{}; banning with the built-in defaults until it is fixed: {}", e.getMessage(),
                    BanSettings.DEFAULTS.describe());
            refused.refused(e.getMessage(), "banning with the built-in defaults");
            apply(BanSettings.DEFAULTS);
        }
        synchronized (this) {
            sweeper = Background.thread("gatehouse-ban-expiry");
            sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
        }
    }

    @Modified
    void modified(Map<String, Object> properties) {
        try {
            apply(BanSettings.read(properties));
        } catch (InvalidSettingException e) {
            BanTable.LOG.error("{}; keeping {}", e.getMessage(), table.settings().describe());
            refused.refused(e.getMessage(), "keeping " + table.settings().describe());
            return;
        }
        refused.clear();
        warnUnknownKeys(properties);
    }

    /** A misspelt key is otherwise ignored without a word, its default in force. */
    private static void warnUnknownKeys(Map<String, Object> p) {
        Settings.unknownKeys(BanTable.LOG::warn, BanSettings.PID, p, () -> BanSettings.read(p));
    }

    void apply(BanSettings s) {
        BanSettings previous = table.settings();
        table.apply(s);
        if (!s.describe().equals(previous.describe()) || s.maxTracked() != previous.maxTracked() || previous == BanSettings.DEFAULTS) {
            BanTable.LOG.info("Ban: {}", s.describe());
        }
        liftExempt();
    }

    /** The management networks the bans were last checked against (a new set only when they change). */
    private volatile AddressSet exemptChecked;

    private void liftExempt() {
        ManagementNetworks m = managementNetworks;
        if (m != null && table.settings().exemptManagementNetworks()) {
            exemptChecked = m.networks();
            table.liftExempt(this::exempt);
        }
    }

    /**
     * Every second: expired bans end, and bans the exemption now covers are lifted. The management
     * networks change in place (etc/org.gatehouse.core.cfg), with no call here, so this is where
     * ban:list and the metrics catch up with what the filter enforces.
     */
    void sweep() {
        try {
            table.sweep();
            ManagementNetworks m = managementNetworks;
            if (m != null && m.networks() != exemptChecked) {
                // Every ban and count is walked only when the networks have changed, not each second.
                liftExempt();
            }
        } catch (RuntimeException e) {
            BanTable.LOG.warn("Ban: expiring bans failed: {}", e.toString());
        }
    }

    @Deactivate
    synchronized void deactivate() {
        int held = table.banCount();
        if (held > 0) {
            // Bans are held in memory: a restart, or a refresh of the bundle, ends them; said, as each unban is.
            BanTable.LOG.info("Ban: the ban stops: {} ban(s) end with it (bans are not kept across a restart)", held);
        }
        refused.clear();
        if (sweeper != null) {
            sweeper.shutdownNow();
            sweeper = null;
        }
    }

    @Override
    public boolean beforeRoute(HttpExchange exchange) {
        return filter.beforeRoute(exchange);
    }

    @Override
    public void afterResponse(HttpExchange exchange, HttpResponseStatus status) {
        filter.afterResponse(exchange, status);
    }

    @Override
    public List<Ban> bans() {
        return table.bans();
    }

    @Override
    public List<FailureCount> failures() {
        return table.failures();
    }

    @Override
    public boolean remove(String address) {
        return table.remove(address);
    }

    /**
     * Counts held rather than lists built: the metrics scrape calls this on an I/O thread, and with
     * {@code max-tracked} addresses listing and sorting would cost. The expiry sweep runs every
     * second, so a count is at most a second behind.
     */
    @Override
    public BanStatistics statistics() {
        return table.statistics(table.banCount(), table.countingCount());
    }

    BanTable table() {
        return table;
    }
}
