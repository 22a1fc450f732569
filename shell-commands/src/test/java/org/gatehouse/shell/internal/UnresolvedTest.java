package org.gatehouse.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A missing package as gatehouse:status names it (the framework's side is run by TurnOnlyIT). */
class UnresolvedTest {

    @Test
    void aPackageFilterReadsAsThePackageAndItsVersionRange() {
        assertEquals("org.gatehouse.tls.http (version >=1.2.0, <2.0.0)",
                Unresolved.describe("(&(osgi.wiring.package=org.gatehouse.tls.http)(version>=1.2.0)(!(version>=2.0.0)))"));
        assertEquals("org.gatehouse.tls.http", Unresolved.describe("(osgi.wiring.package=org.gatehouse.tls.http)"));
        assertEquals("(odd)", Unresolved.describe("(odd)"));
    }
}
