package org.gatehouse.auth.ldap.internal;

import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPURL;
import com.unboundid.ldap.sdk.PostConnectProcessor;
import com.unboundid.ldap.sdk.ServerSet;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.ldap.sdk.StartTLSPostConnectProcessor;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.gatehouse.core.config.InvalidSettingException;

/**
 * How to reach each configured server: plain, LDAPS or StartTLS, trusting the CA file (or the JVM's
 * trust store) and checking the server's name; referrals never followed; every wait bounded.
 */
final class Connections {

    private Connections() {
    }

    /**
     * What {@code ca-file} holds now, to notice when it appears or changes: a hash of its content, or
     * why it cannot be read. CA files are a few kilobytes, so reading one every few seconds costs nothing.
     */
    static String fingerprint(Path file) {
        try {
            byte[] content = Files.readAllBytes(file);
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (IOException e) {
            return "unreadable: " + Causes.of(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * One server set per URL, in the configured (failover) order.
     *
     * @param tls the trust from {@link #tls}, or null when no URL uses TLS
     */
    static List<ServerSet> servers(LdapSettings s, SSLContext tls) {
        List<ServerSet> out = new ArrayList<>();
        for (LDAPURL u : s.urls()) {
            boolean ldaps = u.getScheme().equalsIgnoreCase("ldaps");
            LDAPConnectionOptions options = options(s, ldaps || s.startTls());
            PostConnectProcessor startTls = s.startTls() ? new StartTLSPostConnectProcessor(tls) : null;
            out.add(new SingleServerSet(u.getHost(), u.getPort(), ldaps ? tls.getSocketFactory() : null, options, null, startTls));
        }
        return out;
    }

    static LDAPConnectionOptions options(LdapSettings s, boolean tls) {
        LDAPConnectionOptions o = new LDAPConnectionOptions();
        o.setFollowReferrals(false);
        o.setConnectTimeoutMillis(s.connectTimeoutSeconds() * 1000);
        o.setResponseTimeoutMillis(s.responseTimeoutSeconds() * 1000L);
        o.setAbandonOnTimeout(true);
        o.setUseKeepAlive(true);
        if (tls) {
            o.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
        }
        return o;
    }

    /** Whether any server is reached over TLS, and so whether {@code ca-file} is read at all. */
    static boolean needsTls(LdapSettings s) {
        return s.startTls() || s.urls().stream().anyMatch(u -> u.getScheme().equalsIgnoreCase("ldaps"));
    }

    /** The trust for the servers' certificates: {@code ca-file} as it reads now, or the JVM's trust store; null without TLS. */
    static SSLContext tls(LdapSettings s) throws InvalidSettingException {
        if (!needsTls(s)) {
            return null;
        }
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (s.caFile() == null) {
                tmf.init((KeyStore) null);
            } else {
                tmf.init(caStore(s));
            }
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, tmf.getTrustManagers(), null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new InvalidSettingException(s.source(), "ca-file", s.caFile(), "cannot be used: " + Causes.of(e));
        }
    }

    private static KeyStore caStore(LdapSettings s) throws InvalidSettingException, GeneralSecurityException {
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(s.caFile())) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            LdapFilter.LOG.debug("LDAP: reading ca-file {}", s.caFile(), e);
            throw new InvalidSettingException(s.source(), "ca-file", s.caFile(), "cannot be read: " + Causes.of(e)
                    + " (it is read again as soon as it changes)");
        } catch (java.security.cert.CertificateException e) {
            throw new InvalidSettingException(s.source(), "ca-file", s.caFile(), "holds no readable PEM certificate: " + e.getMessage()
                    + " (it is read again as soon as it changes)");
        }
        if (certs.isEmpty()) {
            throw new InvalidSettingException(s.source(), "ca-file", s.caFile(), "holds no certificate (PEM, -----BEGIN CERTIFICATE-----; it is read again as soon as it changes)");
        }
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        int i = 0;
        for (Certificate c : certs) {
            ks.setCertificateEntry("ca-" + i++, c);
        }
        return ks;
    }
}
