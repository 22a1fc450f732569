package org.gatehouse.auth.ldap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.NoSuchFileException;
import java.security.cert.CertPathBuilderException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class CausesTest {

    @Test
    void commonFailuresInAnOperatorsWords() {
        assertEquals("no such file", Causes.of(new NoSuchFileException("/opt/gatehouse/etc/ldap-ca.pem")));
        assertEquals("connection refused", Causes.of(new LDAPException(ResultCode.CONNECT_ERROR, "An error occurred",
                new IOException(new LDAPException(ResultCode.CONNECT_ERROR, "x", new ConnectException("Connection refused"))))));
        assertEquals("connection refused", Causes.of(new LDAPException(ResultCode.CONNECT_ERROR,
                "IOException(LDAPException(resultCode=91 (connect error), errorMessage='... ConnectException(Connection refused), ldapSDKVersion=7.0.3")));
        assertEquals("timed out", Causes.of(new LDAPException(ResultCode.SERVER_DOWN, "x", new SocketTimeoutException("Read timed out"))));
        assertEquals("timed out", Causes.of(new LDAPException(ResultCode.TIMEOUT, "A client-side timeout was encountered")));
        SSLHandshakeException pkix = new SSLHandshakeException("PKIX path building failed");
        pkix.initCause(new CertPathBuilderException("unable to find valid certification path to requested target"));
        assertEquals("certificate not trusted (PKIX path building failed)", Causes.of(new LDAPException(ResultCode.CONNECT_ERROR, "x", pkix)));
        assertEquals("hostname mismatch (the server's certificate does not name the host in url)", Causes.of(new LDAPException(
                ResultCode.CONNECT_ERROR, "Hostname verification failed because the expected hostname 'localhost' was not found")));
        assertEquals("49 (invalid credentials)", Causes.of(new LDAPException(ResultCode.INVALID_CREDENTIALS, "x")), "the directory's own answer");
        assertEquals("something else", Causes.of(new IllegalStateException("something else")));
    }
}
