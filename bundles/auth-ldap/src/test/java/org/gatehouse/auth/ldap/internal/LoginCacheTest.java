package org.gatehouse.auth.ldap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The login cache stays bounded by forgetting the logins accepted longest ago, not everyone's at once. */
class LoginCacheTest {

    @Test
    void aFullCacheForgetsItsOldestTenthOnly() throws Exception {
        LoginCache cache = new LoginCache(300);
        cache.put("first", "secret");
        Thread.sleep(2);
        for (int i = 1; i < LoginCache.MAX_ENTRIES; i++) {
            cache.put("user" + i, "secret");
        }
        assertEquals(LoginCache.MAX_ENTRIES, cache.size());
        cache.put("one more", "secret");
        assertTrue(cache.contains("one more", "secret"));
        assertFalse(cache.contains("first", "secret"), "the oldest goes");
        assertTrue(cache.contains("user" + (LoginCache.MAX_ENTRIES - 1), "secret"), "a recent one stays");
        assertEquals(LoginCache.MAX_ENTRIES - LoginCache.MAX_ENTRIES / 10 + 1, cache.size());
    }
}
