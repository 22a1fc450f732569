package org.gatehouse.turn.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.gatehouse.stun.message.Integrity;
import org.gatehouse.turn.CredentialSource;

/**
 * TURN REST API ephemeral credentials (draft-uberti-behave-turn-rest, coturn's
 * {@code use-auth-secret}): the user name is {@code expiry[:user]} with expiry in Unix seconds, the
 * password is base64(HMAC-SHA1(secret, username)). Gatehouse nodes sharing the secret accept the
 * same credentials without sharing any state. Several secrets may be configured while rotating.
 */
final class RestSecret implements CredentialSource {

    private final List<byte[]> secrets;
    private final char separator;

    RestSecret(List<byte[]> secrets, char separator) {
        this.secrets = secrets;
        this.separator = separator;
    }

    /** The expiry of a REST user name, or -1 when the name is not one. */
    long expiry(String username) {
        int end = username.indexOf(separator);
        String stamp = end < 0 ? username : username.substring(0, end);
        if (stamp.isEmpty() || stamp.length() > 12) {
            return -1;
        }
        for (int i = 0; i < stamp.length(); i++) {
            if (stamp.charAt(i) < '0' || stamp.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(stamp);
    }

    /** The part after the separator (the application's user), or the whole name. */
    String user(String username) {
        int end = username.indexOf(separator);
        return end < 0 || expiry(username) < 0 ? username : username.substring(end + 1);
    }

    @Override
    public List<byte[]> keys(String username, String realm, int passwordAlgorithm) {
        long expiry = expiry(username);
        if (expiry < 0 || expiry < System.currentTimeMillis() / 1000) {
            return List.of();
        }
        List<byte[]> keys = new ArrayList<>(secrets.size());
        for (byte[] secret : secrets) {
            keys.add(Integrity.longTermKey(username, realm, password(secret, username), passwordAlgorithm));
        }
        return keys;
    }

    static String password(byte[] secret, String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret, "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is part of every Java runtime", e);
        }
    }

    @Override
    public boolean supportsSha256() {
        return true;
    }

    @Override
    public String userForHash(byte[] userHash, String realm) {
        // The user name carries its expiry; a hash of it cannot be looked up.
        return null;
    }
}
