package org.gatehouse.stun.message;

import java.util.HexFormat;

/** The test vectors of RFC 5769 (sections 2.1 to 2.4) and RFC 8489 appendix B.1 (with errata 6268). */
final class Rfc5769Vectors {

    static final String PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt";

    /** 2.1 Sample request: short-term credentials, padding bytes are spaces. */
    static final byte[] REQUEST = hex(
            "000100582112a442b7e7a701bc34d686fa87dfae"
            + "802200105354554e207465737420636c69656e74"
            + "002400046e0001ff"
            + "80290008932ff9b151263b36"
            + "000600096576746a3a68367659202020"
            + "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
            + "80280004e57a3bcf");

    /** 2.2 Sample IPv4 response: 192.0.2.1 port 32853. */
    static final byte[] IPV4_RESPONSE = hex(
            "0101003c2112a442b7e7a701bc34d686fa87dfae"
            + "8022000b7465737420766563746f7220"
            + "002000080001a147e112a643"
            + "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7"
            + "80280004c07d4c96");

    /** 2.3 Sample IPv6 response: 2001:db8:1234:5678:11:2233:4455:6677 port 32853. */
    static final byte[] IPV6_RESPONSE = hex(
            "010100482112a442b7e7a701bc34d686fa87dfae"
            + "8022000b7465737420766563746f7220"
            + "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
            + "00080014a382954e4be67bf11784c97c8292c275bfe3ed41"
            + "80280004c8fb0b4c");

    /** 2.4 Sample request with long-term authentication (MD5 key, HMAC-SHA1). */
    static final byte[] LONG_TERM_REQUEST = hex(
            "000100602112a44278ad3433c6ad72c029da412e"
            + "00060012e3839ee38388e383aae38383e382afe382b90000"
            + "0015001c662f2f3439396b39353464364f4c33346f4c39465354767936347341"
            + "0014000b6578616d706c652e6f726700"
            + "00080014f67024656dd64a3e02b8e0712e85c9a28ca89666");

    /** RFC 8489 B.1: long-term authentication with USERHASH, PASSWORD-ALGORITHM SHA-256, MESSAGE-INTEGRITY-SHA256. */
    static final byte[] LONG_TERM_SHA256_REQUEST = hex(
            "000100902112a44278ad3433c6ad72c029da412e"
            + "001e00204a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704"
            + "00150029" + "6f624d61744a6f733241414143662f2f3439396b39353464364f4c33346f4c394653547679363473" + "41000000"
            + "0014000b6578616d706c652e6f726700"
            + "001d000400020000"
            + "001c0020b5c7bf005b6c52a21c51c5e892f81924136296cb927c43149309278cc6518e65");

    /** U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9, unchanged by SASLprep/OpaqueString. */
    static final String LONG_TERM_USERNAME = "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9";
    /** "The\u00ADM\u00AAtr\u2168" after SASLprep/OpaqueString. */
    static final String LONG_TERM_PASSWORD = "TheMatrIX";
    static final String LONG_TERM_REALM = "example.org";
    static final String LONG_TERM_NONCE = "f//499k954d6OL34oL9FSTvy64sA";
    static final String SHA256_NONCE = "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA";

    private Rfc5769Vectors() {
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }
}
