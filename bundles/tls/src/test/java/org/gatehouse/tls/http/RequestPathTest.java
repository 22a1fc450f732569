package org.gatehouse.tls.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RequestPathTest {

    static void readAs(String sent, String... expected) {
        List<String> r = RequestPath.readings(sent);
        for (String e : expected) {
            assertTrue(r.contains(e), sent + " is not read as " + e + ": " + r);
        }
    }

    @Test
    void aPlainPathIsOneReading() {
        assertEquals(List.of("/api/client/v2/conferences/meet/request_token"),
                RequestPath.readings("/api/client/v2/conferences/meet/request_token"));
    }

    @Test
    void theSpellingsANodeMayTakeForAPath() {
        readAs("/meet/request%5Ftoken", "/meet/request_token");
        readAs("/%61pi/client", "/api/client");
        readAs("/meet/request_token/.", "/meet/request_token/");
        readAs("/meet/request_token//", "/meet/request_token/");
        readAs("//api//client", "/api/client");
        readAs("/webapp/../api/client", "/api/client");
        readAs("/webapp/%2e%2e/api/client", "/api/client", "/webapp/../api/client");
        readAs("/meet/request_token;x", "/meet/request_token;x", "/meet/request_token");
        readAs("/api;jsessionid=1/client", "/api/client");
        readAs("/webapp/..;/api/client", "/api/client");
        readAs("/api%3Bx/client", "/api/client");
        readAs("/webapp%5C..%5Capi/client", "/api/client");
        readAs("/../..", "/");
    }

    @Test
    void aPathThatCannotBeReadHasNoReading() {
        assertNull(RequestPath.readings("/api/%zz"));
        assertNull(RequestPath.readings("/api/%4"));
        assertNull(RequestPath.readings("/webapp\\..\\api/"));
        assertNull(RequestPath.readings("/a b"));
        assertNull(RequestPath.readings("api/client"));
    }
}
