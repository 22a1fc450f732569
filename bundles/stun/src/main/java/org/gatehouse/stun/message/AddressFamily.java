package org.gatehouse.stun.message;

/** Address family values of address attributes and of REQUESTED-ADDRESS-FAMILY. */
public final class AddressFamily {

    public static final int IPV4 = 0x01;
    public static final int IPV6 = 0x02;

    private AddressFamily() {
    }
}
