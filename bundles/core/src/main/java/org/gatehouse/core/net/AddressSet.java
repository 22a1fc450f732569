package org.gatehouse.core.net;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Collectors;

/** An immutable list of CIDR ranges, e.g. an allow-list or a deny-list. */
public final class AddressSet {

    private static final AddressSet EMPTY = new AddressSet(List.of());

    private final List<AddressRange> ranges;

    private AddressSet(List<AddressRange> ranges) {
        this.ranges = ranges;
    }

    public static AddressSet empty() {
        return EMPTY;
    }

    public static AddressSet of(Collection<AddressRange> ranges) {
        return new AddressSet(List.copyOf(new LinkedHashSet<>(ranges)));
    }

    /**
     * Parses entries such as {@code 10.0.0.0/8}, {@code 192.0.2.7} or {@code 2001:db8::/32}.
     *
     * @throws IllegalArgumentException for the first entry that is not a range, naming it
     */
    public static AddressSet parse(Collection<String> entries) {
        List<AddressRange> out = new ArrayList<>(entries.size());
        for (String e : entries) {
            if (!e.isBlank()) {
                out.add(AddressRange.parse(e));
            }
        }
        return of(out);
    }

    public boolean contains(InetAddress address) {
        InetAddress canonical = IpAddresses.canonical(address);
        for (AddressRange r : ranges) {
            if (AddressRange.sameFamily(r, canonical) && r.contains(canonical)) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    public List<AddressRange> ranges() {
        return ranges;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AddressSet && ((AddressSet) o).ranges.equals(ranges);
    }

    @Override
    public int hashCode() {
        return ranges.hashCode();
    }

    /** Comma-separated, the way it is written in a {@code .cfg} file. */
    @Override
    public String toString() {
        return ranges.stream().map(AddressRange::toString).collect(Collectors.joining(", "));
    }
}
