package org.gatehouse.tls;

/** A certificate file that cannot be served; the message says why in one line, naming the file. */
public class InvalidCertificateException extends Exception {

    private static final long serialVersionUID = 1L;

    public InvalidCertificateException(String message) {
        super(message);
    }

    public InvalidCertificateException(String message, Throwable cause) {
        super(message, cause);
    }
}
