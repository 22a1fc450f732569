package org.gatehouse.shell.internal;

import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Turns a bundle id or symbolic name typed in the shell into the {@link Bundle} that Felix's own
 * commands take ({@code stop 36}, {@code headers org.gatehouse.turn}, {@code inspect cap service 36}).
 * Gogo's converter for bundles comes with the JLine console bundle, which the server runs only with
 * its interactive console: without this one, those commands failed over the remote shell with
 * "Cannot coerce stop(Token) ...". Where another converter is present, either answers the same.
 */
@Component(name = "org.gatehouse.shell.bundle-converter", service = Converter.class)
public final class BundleConverter implements Converter {

    private BundleContext context;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
    }

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        if (desiredType != Bundle.class || in == null) {
            return null;
        }
        String text = in.toString().strip();
        if (text.matches("[0-9]{1,18}")) {
            return context.getBundle(Long.parseLong(text));
        }
        Bundle found = null;
        for (Bundle b : context.getBundles()) {
            if (text.equals(b.getSymbolicName()) && (found == null || b.getVersion().compareTo(found.getVersion()) > 0)
                    || text.equals(b.getLocation()) && found == null) {
                found = b;
            }
        }
        // Null when nothing matches: Gogo then refuses the argument as it refuses any it cannot convert.
        return found;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        return null;
    }
}
