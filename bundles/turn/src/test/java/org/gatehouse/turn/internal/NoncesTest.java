package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * Stateless nonces: good for their client (address and port) and age only; their security feature
 * bits and the password algorithms offered with them cannot be changed.
 */
class NoncesTest {

    private final Nonces nonces = new Nonces();
    private final long now = 1_800_000_000L;

    @Test
    void aNonceIsGoodForItsClientAndAgeAndItsFeatureBitsAreSigned() throws Exception {
        InetSocketAddress client = new InetSocketAddress("198.51.100.7", 40000);
        String withUserHash = nonces.issue(client, now, true, false);
        String without = nonces.issue(client, now, false, false);
        assertTrue(withUserHash.startsWith(Nonces.PREFIX) && without.startsWith(Nonces.PREFIX_NO_USERHASH));
        assertTrue(nonces.valid(withUserHash, client, now + 10, 600));
        assertTrue(nonces.valid(without, client, now + 10, 600));
        assertFalse(nonces.valid(withUserHash, client, now + 601, 600), "stale");
        assertFalse(nonces.valid(withUserHash, new InetSocketAddress("198.51.100.8", 40000), now, 600), "another client's");
        assertFalse(nonces.valid(withUserHash, new InetSocketAddress("198.51.100.7", 40001), now, 600),
                "another port's: RFC 8489 9.2.4, the same nonce only for the same address and port");
        String stripped = Nonces.PREFIX_NO_USERHASH + withUserHash.substring(Nonces.PREFIX.length());
        assertFalse(nonces.valid(stripped, client, now, 600), "USERHASH's bit cleared on the way");
        String added = Nonces.PREFIX + without.substring(Nonces.PREFIX_NO_USERHASH.length());
        assertFalse(nonces.valid(added, client, now, 600), "a bit set on the way");
    }

    @Test
    void theOfferOfSha256TravelsSignedAndAStaleNonceIsStillKnownAsOurs() throws Exception {
        InetSocketAddress client = new InetSocketAddress("2001:db8::7", 3478);
        String offered = nonces.issue(client, now, true, true);
        assertEquals(new Nonces.Check(true, true, true), nonces.check(offered, client, now, 600));
        assertEquals(new Nonces.Check(true, true, false), nonces.check(nonces.issue(client, now, true, false), client, now, 600));
        assertEquals(new Nonces.Check(true, false, true), nonces.check(offered, client, now + 601, 600), "stale, but genuine");
        int at = Nonces.PREFIX.length() + 8;
        String changed = offered.substring(0, at) + 'M' + offered.substring(at + 1);
        assertEquals(Nonces.Check.FOREIGN, nonces.check(changed, client, now, 600), "the offer changed on the way");
    }
}
