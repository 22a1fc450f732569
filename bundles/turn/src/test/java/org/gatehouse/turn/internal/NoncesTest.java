package org.gatehouse.turn.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Stateless nonces: good for their client and age only, and their security feature bits cannot be changed. */
class NoncesTest {

    @Test
    void aNonceIsGoodForItsClientAndAgeAndItsFeatureBitsAreSigned() throws Exception {
        Nonces nonces = new Nonces();
        InetAddress client = InetAddress.getByName("198.51.100.7");
        long now = 1_800_000_000L;
        String withUserHash = nonces.issue(client, now, true);
        String without = nonces.issue(client, now, false);
        assertTrue(withUserHash.startsWith(Nonces.PREFIX) && without.startsWith(Nonces.PREFIX_NO_USERHASH));
        assertTrue(nonces.valid(withUserHash, client, now + 10, 600));
        assertTrue(nonces.valid(without, client, now + 10, 600));
        assertFalse(nonces.valid(withUserHash, client, now + 601, 600), "stale");
        assertFalse(nonces.valid(withUserHash, InetAddress.getByName("198.51.100.8"), now, 600), "another client's");
        String stripped = Nonces.PREFIX_NO_USERHASH + withUserHash.substring(Nonces.PREFIX.length());
        assertFalse(nonces.valid(stripped, client, now, 600), "USERHASH's bit cleared on the way");
        String added = Nonces.PREFIX + without.substring(Nonces.PREFIX_NO_USERHASH.length());
        assertFalse(nonces.valid(added, client, now, 600), "a bit set on the way");
    }
}
