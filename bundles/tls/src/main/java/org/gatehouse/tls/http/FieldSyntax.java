package org.gatehouse.tls.http;

/**
 * The HTTP field syntax of RFC 9110 that the front door checks in requests and the proxy in node
 * answers: one definition, so both refuse the same fields.
 */
public final class FieldSyntax {

    /** Token characters (tchar): visible ASCII except the delimiters; a table, not a search per character. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = 0x21; c < 0x7f; c++) {
            TCHAR[c] = "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
        }
    }

    private FieldSyntax() {
    }

    /** A token (RFC 9110 section 5.6.2), as a method or a field name must be: one or more tchar. */
    public static boolean isToken(CharSequence s) {
        int n = s.length();
        if (n == 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!isTchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A token character (tchar): visible ASCII except the delimiters.
     *
     * @since 1.5
     */
    public static boolean isTchar(char c) {
        return c < 128 && TCHAR[c];
    }

    /**
     * A field value without control characters other than HTAB: CR, LF and NUL above all would split
     * or end a message head.
     */
    public static boolean isFieldValue(CharSequence value) {
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}
