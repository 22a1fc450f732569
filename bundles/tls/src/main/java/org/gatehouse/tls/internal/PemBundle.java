package org.gatehouse.tls.internal;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.gatehouse.tls.CertificateInfo;
import org.gatehouse.tls.InvalidCertificateException;

/**
 * A server certificate, its private key and its chain, read from one PEM file the way the deployment
 * guide describes it (certificate, unencrypted key as {@code PRIVATE KEY}, {@code RSA PRIVATE KEY}
 * or {@code EC PRIVATE KEY}, then intermediates) but in any order: the server certificate is the one
 * whose public key matches the key, and the chain is put in order by issuer. Refused, with one line
 * saying why, when the key is missing, encrypted or matches no certificate, when a certificate in the
 * file does not link into the chain, or when the server certificate is outside its validity.
 */
final class PemBundle {

    /** A fresh provider instance: a JVM-global "BC" may be another version (Karaf's ssh feature). */
    static final BouncyCastleProvider BC = new BouncyCastleProvider();

    final PrivateKey key;
    /** Server certificate first, then each issuer up the chain. */
    final List<X509Certificate> chain;
    final String source;
    /**
     * The PEM text it was read from, kept so it can be written out again (as the rollback copy) after
     * its file has been overwritten by the next certificate.
     */
    final String pem;

    private PemBundle(PrivateKey key, List<X509Certificate> chain, String source, String pem) {
        this.key = key;
        this.chain = List.copyOf(chain);
        this.source = source;
        this.pem = pem;
    }

    static PemBundle read(Path file) throws InvalidCertificateException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidCertificateException(file + ": no such file");
        } catch (IOException e) {
            throw new InvalidCertificateException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        return parse(text, file.toString(), Instant.now());
    }

    static PemBundle parse(String pem, String source, Instant now) throws InvalidCertificateException {
        PrivateKey key = null;
        List<X509Certificate> certificates = new ArrayList<>();
        JcaPEMKeyConverter keys = new JcaPEMKeyConverter().setProvider(BC);
        JcaX509CertificateConverter certs = new JcaX509CertificateConverter().setProvider(BC);
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object o; (o = parser.readObject()) != null; ) {
                if (o instanceof X509CertificateHolder) {
                    certificates.add(certs.getCertificate((X509CertificateHolder) o));
                } else if (o instanceof PEMKeyPair || o instanceof PrivateKeyInfo) {
                    if (key != null) {
                        throw new InvalidCertificateException(source + ": holds more than one private key");
                    }
                    key = o instanceof PEMKeyPair ? keys.getKeyPair((PEMKeyPair) o).getPrivate() : keys.getPrivateKey((PrivateKeyInfo) o);
                } else if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new InvalidCertificateException(source + ": the private key is encrypted; decrypt it first "
                            + "(openssl pkey -in key.pem -out plain.pem)");
                }
            }
        } catch (IOException e) {
            throw new InvalidCertificateException(source + ": not a readable PEM file (" + e.getMessage() + ")");
        } catch (CertificateException e) {
            throw new InvalidCertificateException(source + ": a certificate cannot be decoded (" + e.getMessage() + ")");
        }
        if (key == null) {
            throw new InvalidCertificateException(source + ": no private key (expected -----BEGIN PRIVATE KEY----- or "
                    + "-----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)");
        }
        if (certificates.isEmpty()) {
            throw new InvalidCertificateException(source + ": no certificate (expected -----BEGIN CERTIFICATE-----)");
        }
        X509Certificate leaf = null;
        for (X509Certificate c : certificates) {
            if (matches(key, c.getPublicKey())) {
                leaf = c;
                break;
            }
        }
        if (leaf == null) {
            throw new InvalidCertificateException(source + ": the private key belongs to none of the "
                    + certificates.size() + " certificate(s) in the file");
        }
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        List<X509Certificate> rest = new ArrayList<>(certificates);
        rest.remove(leaf);
        X509Certificate at = leaf;
        while (!rest.isEmpty()) {
            X509Certificate issuer = null;
            for (X509Certificate c : rest) {
                if (c.getSubjectX500Principal().equals(at.getIssuerX500Principal()) && signedBy(at, c)) {
                    issuer = c;
                    break;
                }
            }
            if (issuer == null) {
                break;
            }
            chain.add(issuer);
            rest.remove(issuer);
            at = issuer;
        }
        if (!rest.isEmpty()) {
            throw new InvalidCertificateException(source + ": certificate \"" + rest.get(0).getSubjectX500Principal().getName()
                    + "\" is not an issuer in the chain of \"" + leaf.getSubjectX500Principal().getName() + "\"");
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new InvalidCertificateException(source + ": the certificate is not valid before " + leaf.getNotBefore().toInstant());
        }
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw new InvalidCertificateException(source + ": the certificate expired on " + leaf.getNotAfter().toInstant());
        }
        for (X509Certificate c : chain.subList(1, chain.size())) {
            if (now.isAfter(c.getNotAfter().toInstant())) {
                throw new InvalidCertificateException(source + ": intermediate \"" + c.getSubjectX500Principal().getName()
                        + "\" expired on " + c.getNotAfter().toInstant());
            }
        }
        return new PemBundle(key, chain, source, pem);
    }

    /** Whether {@code key} is the private half of {@code publicKey}: a signature made with it verifies. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm()) && !(key.getAlgorithm().startsWith("EC") && publicKey.getAlgorithm().startsWith("EC"))) {
            return false;
        }
        String algorithm = publicKey instanceof RSAPublicKey ? "SHA256withRSA" : publicKey instanceof ECPublicKey ? "SHA256withECDSA" : null;
        if (algorithm == null) {
            algorithm = publicKey.getAlgorithm().equals("Ed25519") ? "Ed25519" : "SHA256with" + publicKey.getAlgorithm();
        }
        try {
            byte[] probe = "gatehouse key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(algorithm, BC);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(algorithm, BC);
            v.initVerify(publicKey);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean signedBy(X509Certificate subject, X509Certificate issuer) {
        try {
            subject.verify(issuer.getPublicKey(), BC);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    X509Certificate leaf() {
        return chain.get(0);
    }

    boolean selfSigned() {
        X509Certificate leaf = leaf();
        return leaf.getSubjectX500Principal().equals(leaf.getIssuerX500Principal()) && signedBy(leaf, leaf);
    }

    /** DNS and IP subject alternative names. */
    List<String> names() {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = leaf().getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == 2 || type == 7) {
                        out.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // No names to show.
        }
        return out;
    }

    /** Whether {@code fqdn} is one of the certificate's DNS names (a wildcard covers one label). */
    boolean covers(String fqdn) {
        String host = fqdn.toLowerCase(Locale.ROOT);
        for (String n : names()) {
            String name = n.toLowerCase(Locale.ROOT);
            if (name.equals(host)) {
                return true;
            }
            if (name.startsWith("*.") && host.indexOf('.') > 0 && host.substring(host.indexOf('.')).equals(name.substring(1))) {
                return true;
            }
        }
        return false;
    }

    CertificateInfo info(String fqdn) {
        X509Certificate leaf = leaf();
        List<String> warnings = new ArrayList<>();
        if (names().isEmpty()) {
            warnings.add("the certificate has no subjectAltName: browsers and most TLS clients ignore its CN and refuse it for every name; "
                    + "ask the CA for one with the server's names as subjectAltName");
        } else if (fqdn != null && !fqdn.isBlank() && !covers(fqdn)) {
            warnings.add("the configured name " + fqdn + " is not among the certificate's names " + names()
                    + ": clients connecting to it will see a name mismatch");
        }
        long days = (leaf.getNotAfter().getTime() - System.currentTimeMillis()) / 86_400_000L;
        if (days < 30) {
            warnings.add("the certificate expires in " + days + " days");
        }
        String keyType = key.getAlgorithm();
        if (leaf.getPublicKey() instanceof RSAPublicKey) {
            keyType = "RSA " + ((RSAPublicKey) leaf.getPublicKey()).getModulus().bitLength();
        } else if (leaf.getPublicKey() instanceof ECPublicKey) {
            keyType = "EC " + ((ECPublicKey) leaf.getPublicKey()).getParams().getCurve().getField().getFieldSize();
        }
        return new CertificateInfo(leaf.getSubjectX500Principal().getName(), names(), leaf.getIssuerX500Principal().getName(),
                leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant(), fingerprint(leaf), keyType, chain.size(),
                source, selfSigned(), List.copyOf(warnings));
    }

    static String fingerprint(X509Certificate c) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
