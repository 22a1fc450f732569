package org.gatehouse.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.gatehouse.core.config.InvalidSettingException;
import org.junit.jupiter.api.Test;

/**
 * The security header values go on every HTTPS answer as written: one a browser cannot read (a typo
 * in hsts) would switch the protection off without a word, and a control character would split the
 * header. Both are refused with the file and key named.
 */
class SecurityHeaderSettingsTest {

    private static FrontSettings read(String key, String value) throws InvalidSettingException {
        return FrontSettings.read(Map.of(key, value), "gatehouse.example.com");
    }

    @Test
    void hstsValuesBrowsersReadAreTaken() throws Exception {
        for (String v : new String[] {"max-age=31536000", "max-age=63072000; includeSubDomains; preload", "includeSubDomains; MAX-AGE=\"600\"",
                "max-age=0", "max-age = 10 ;", ""}) {
            assertEquals(v, read("hsts", v).hsts(), v);
        }
    }

    @Test
    void hstsValuesBrowsersIgnoreAreRefused() {
        for (String v : new String[] {"max_age=31536000", "max-age=1y", "31536000", "max-age=1; max-age=2", "max-age=1; includeSubdomain"}) {
            assertFalse(FrontSettings.hstsValue(v), v);
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> read("hsts", v), v);
            assertTrue(e.getMessage().contains("hsts = '" + v + "'") && e.getMessage().contains("not a Strict-Transport-Security value"),
                    e.getMessage());
        }
    }

    @Test
    void controlAndNonAsciiCharactersAreRefusedInEveryHeaderValue() {
        for (String key : new String[] {"hsts", "x-content-type-options", "referrer-policy", "content-security-policy"}) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> read(key, "nosniff\r\nSet-Cookie: a=b"), key);
            assertTrue(e.getMessage().contains("printable ASCII characters only (character 8 is U+000D)"), e.getMessage());
            assertThrows(InvalidSettingException.class, () -> read(key, "caf\u00e9"), key);
        }
    }
}
