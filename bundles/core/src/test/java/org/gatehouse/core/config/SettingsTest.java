package org.gatehouse.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

    private static final String FILE = "file:/opt/gatehouse/etc/org.gatehouse.core.cfg";

    @Test
    void namesTheFileAndKeyOfABadNumber() {
        Settings s = Settings.of("org.gatehouse.core", Map.of(Settings.FILEINSTALL_FILENAME, FILE, "io-threads", "two"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> s.integer("io-threads", 0, 0, 64));
        assertEquals("etc/org.gatehouse.core.cfg: io-threads = 'two' is not a whole number", e.getMessage());
        assertEquals("io-threads", e.key());
    }

    @Test
    void namesThePidWhenNotFromAFile() {
        Settings s = Settings.of("org.gatehouse.core", Map.of("io-threads", "99"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> s.integer("io-threads", 0, 0, 64));
        assertEquals("configuration org.gatehouse.core: io-threads = '99' is out of range (0 to 64)", e.getMessage());
    }

    @Test
    void acceptsStringsAndTypedValues() throws Exception {
        Settings s = Settings.of("p", Map.of("a", "7", "b", 8, "c", "yes", "d", Boolean.FALSE, "e", " x "));
        assertEquals(7, s.integer("a", 0, 0, 10));
        assertEquals(8, s.integer("b", 0, 0, 10));
        assertTrue(s.bool("c", false));
        assertFalse(s.bool("d", true));
        assertEquals("x", s.string("e", null));
        assertEquals(3, s.integer("missing", 3, 0, 10));
    }

    @Test
    void blankMeansDefault() throws Exception {
        Settings s = Settings.of("p", Map.of("a", "  "));
        assertEquals(4, s.integer("a", 4, 0, 10));
    }

    @Test
    void listsFromCommaTextArraysAndCollections() {
        assertEquals(List.of("a", "b", "c"), Settings.of("p", Map.of("k", "a, b,,c ")).list("k", List.of()));
        assertEquals(List.of("a", "b", "c"), Settings.of("p", Map.of("k", new String[] {"a", "b, c"})).list("k", List.of()));
        assertEquals(List.of("a"), Settings.of("p", Map.of("k", List.of("a"))).list("k", List.of()));
        assertEquals(List.of("d"), Settings.of("p", Map.of()).list("k", List.of("d")));
    }

    @Test
    void choiceListsTheAllowedValues() throws Exception {
        Settings s = Settings.of("p", Map.of("mode", "sideways", "ok", "Restricted"));
        assertEquals(Mode.RESTRICTED, s.choice("ok", Mode.PERMISSIVE));
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> s.choice("mode", Mode.PERMISSIVE));
        assertTrue(e.getMessage().endsWith("is not one of restricted, permissive"), e.getMessage());
    }

    @Test
    void addressListNamesTheBadEntry() throws Exception {
        Settings good = Settings.of("p", Map.of("nets", "10.0.0.0/8, ::1"));
        assertTrue(good.addresses("nets", List.of()).contains(InetAddress.getByName("10.2.3.4")));
        Settings bad = Settings.of("p", Map.of(Settings.FILEINSTALL_FILENAME, FILE, "nets", "10.0.0.0/8, 10.0.0.300"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> bad.addresses("nets", List.of()));
        assertTrue(e.getMessage().startsWith("etc/org.gatehouse.core.cfg: nets = "), e.getMessage());
        assertTrue(e.getMessage().contains("10.0.0.300"), e.getMessage());
    }

    enum Mode { RESTRICTED, PERMISSIVE }

    @Test
    void keysNoParseReadsAreNamedWithTheKeyTheyMostLikelyMeant() {
        Map<String, Object> p = Map.of("realm", "example.org", "relm", "corp.example", "max-fail", "3", "colour", "blue",
                "service.pid", "org.gatehouse.turn", Settings.FILEINSTALL_FILENAME, "file:/opt/gatehouse/etc/org.gatehouse.turn.cfg");
        String w = Settings.unknownKeys("org.gatehouse.turn", p, () -> {
            Settings s = Settings.of("org.gatehouse.turn", p);
            s.string("realm", "x");
            s.integer("max-fails", 1, 0, 10);
        }, () -> Settings.of("org.gatehouse.turn", p).has("colour-scheme"));
        assertEquals("etc/org.gatehouse.turn.cfg: colour, max-fail (did you mean max-fails?), relm (did you mean realm?)"
                + " are not settings of this file and are ignored", w);
        assertEquals("configuration x: colour is not a setting of this file and is ignored",
                Settings.unknownKeys("x", Map.of("colour", "1", "size", "2"), () -> Settings.of("x", Map.of()).list("size", List.of())));
        assertEquals(null, Settings.unknownKeys("x", Map.of("size", "2"), () -> Settings.of("x", Map.of()).list("size", List.of())),
                "every key read (by any parse): nothing to say");
        assertEquals(null, Settings.unknownKeys("x", Map.of("size", "two", "colour", "1"),
                () -> Settings.of("x", Map.of("size", "two")).integer("size", 1, 0, 9)), "a refused configuration has its own line");
        // Outside unknownKeys nothing is recorded.
        Settings.of("x", Map.of("a", "1")).string("a", "");
        assertEquals("configuration x: a is not a setting of this file and is ignored", Settings.unknownKeys("x", Map.of("a", "1")));
    }

    private record Read(int port, String name) {
    }

    private static Read read(Map<String, ?> p) throws InvalidSettingException {
        Settings s = Settings.of("org.example", p);
        if (!s.string("name", "x").matches("[a-z]+")) {
            throw new InvalidSettingException(s.source(), "name", s.string("name", ""), "is not letters");
        }
        return new Read(s.integer("port", 1, 1, 65535), s.string("name", "x"));
    }

    /** Each refused key in turn is left out (or replaced), the rest read; a key refused again once replaced ends it unread. */
    @Test
    void aFileIsReadAgainWithoutEachRefusedKey() throws Exception {
        Map<String, Object> p = Map.of("port", "99999", "name", "B4D");
        InvalidSettingException first = assertThrows(InvalidSettingException.class, () -> read(p));
        Settings.Partial<Read> partial = Settings.withoutRefusedKeys(p, first, SettingsTest::read, key -> null);
        assertEquals(new Read(1, "x"), partial.settings());
        assertEquals(2, partial.refused().size());
        Settings.Partial<Read> replaced = Settings.withoutRefusedKeys(p, first, SettingsTest::read, key -> "0");
        assertEquals(null, replaced.settings(), "0 is refused too: nothing of the file is read");
        assertEquals(first.key(), replaced.refused().get(replaced.refused().size() - 1).key());
    }
}
