package org.gatehouse.auth.ldap.internal;

import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import java.io.FileNotFoundException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;

/**
 * The cause of a failure in an operator's words ("connection refused", "certificate not trusted"),
 * instead of the nested exception text the JDK and the LDAP SDK produce. The full text belongs in
 * the DEBUG log, not in the one line an operator reads.
 */
final class Causes {

    private Causes() {
    }

    /** One short cause for {@code e}: the best-known one anywhere in its chain, else its own message. */
    static String of(Throwable e) {
        String known = known(e);
        if (known != null) {
            return known;
        }
        if (e instanceof LDAPException) {
            LDAPException l = (LDAPException) e;
            String diagnostic = l.getDiagnosticMessage();
            return l.getResultCode() + (diagnostic == null || diagnostic.isEmpty() ? "" : " (" + diagnostic + ")");
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static String known(Throwable e) {
        String text = "";
        int depth = 0;
        for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof NoSuchFileException || t instanceof NotDirectoryException) {
                return "no such file";
            }
            if (t instanceof AccessDeniedException) {
                return "permission denied";
            }
            if (t instanceof FileNotFoundException) {
                return t.getMessage() != null && t.getMessage().contains("Permission denied") ? "permission denied" : "no such file";
            }
            if (t instanceof ConnectException) {
                return t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains("timed out") ? "timed out"
                        : "connection refused";
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
            if (t instanceof SocketTimeoutException) {
                return "timed out";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host " + t.getMessage();
            }
            if (t instanceof CertificateExpiredException) {
                return "certificate expired";
            }
            if (t instanceof CertificateNotYetValidException) {
                return "certificate not yet valid";
            }
            if (t instanceof CertPathBuilderException) {
                return "certificate not trusted (PKIX path building failed)";
            }
            if (t instanceof CertPathValidatorException) {
                return "certificate not trusted (" + t.getMessage() + ")";
            }
            text += " " + t;
        }
        // The LDAP SDK often carries a nested exception as text in its message, not as a cause.
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.contains("pkix path building failed") || lower.contains("unable to find valid certification path")) {
            return "certificate not trusted (PKIX path building failed)";
        }
        if (lower.contains("hostname verification failed") || lower.contains("no subject alternative")) {
            return "hostname mismatch (the server's certificate does not name the host in url)";
        }
        if (lower.contains("connection refused")) {
            return "connection refused";
        }
        if (lower.contains("timed out") || lower.contains("sockettimeoutexception") || lower.contains("client-side timeout")) {
            return "timed out";
        }
        if (lower.contains("nosuchfileexception")) {
            return "no such file";
        }
        if (e instanceof LDAPException && ((LDAPException) e).getResultCode() == ResultCode.TIMEOUT) {
            return "timed out";
        }
        return null;
    }
}
