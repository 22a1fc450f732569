package org.gatehouse.content.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.gatehouse.tls.http.HttpRoute;
import org.gatehouse.tls.internal.TestFront;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The custom web app folder served through the real HTTPS front door, checked with curl. */
class ContentRouteTest {

    @TempDir
    static Path home;
    static Path webapp;
    static TestFront front;
    static ContentComponent content;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        webapp = Files.createDirectories(home.resolve("webapp"));
        Files.writeString(webapp.resolve("index.html"), "<h1>branding</h1>\n");
        Files.createDirectories(webapp.resolve("css"));
        Files.writeString(webapp.resolve("css/site.css"), "body { color: #123456; }\n");
        Files.write(webapp.resolve("big.bin"), new byte[300_000]);
        Files.writeString(webapp.resolve("app.js"), "console.log('plain');\n");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write("console.log('plain');\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(webapp.resolve("app.js.gz"), gz.toByteArray());
        Files.writeString(home.resolve("secret.txt"), "outside the folder\n");
        Files.createSymbolicLink(webapp.resolve("escape.txt"), home.resolve("secret.txt"));
        front = new TestFront(home);
        content = new ContentComponent();
        content.apply(ContentSettings.read(Map.of("folder", webapp.toString(), "mount", "/webapp/")));
        front.route(content.route(), Map.of(HttpRoute.PREFIX, "/webapp/"));
        base = "https://127.0.0.1:" + front.port();
    }

    @AfterAll
    static void stop() {
        if (front != null) {
            front.close();
        }
    }

    static String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/curl", "-sk", "--max-time", "10", "--path-as-is"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return out;
    }

    static String header(String response, String name) {
        for (String line : response.split("\r\n")) {
            if (line.toLowerCase().startsWith(name.toLowerCase() + ":")) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return null;
    }

    @Test
    void filesFoldersAndContentTypes() throws Exception {
        String index = curl("-i", base + "/webapp/");
        assertTrue(index.startsWith("HTTP/1.1 200"), index);
        assertTrue(index.endsWith("<h1>branding</h1>\n"), index);
        assertEquals("text/html; charset=utf-8", header(index, "content-type"));
        assertEquals("text/css; charset=utf-8", header(curl("-i", base + "/webapp/css/site.css"), "content-type"));
        assertEquals("300000", header(curl("-I", base + "/webapp/big.bin"), "content-length"), "HEAD gives the length");
        assertEquals(300_000, curl(base + "/webapp/big.bin").length(), "a large file streams whole");
        assertTrue(curl("-i", base + "/webapp/none.txt").startsWith("HTTP/1.1 404"));
        assertTrue(curl("-i", "-X", "POST", base + "/webapp/index.html").startsWith("HTTP/1.1 405"));
    }

    @Test
    void aFolderWantsItsSlashAndAFileHasNone() throws Exception {
        Files.createDirectories(webapp.resolve("guide"));
        Files.writeString(webapp.resolve("guide/index.html"), "<a href=\"next.html\">next</a>\n");
        String folder = curl("-i", base + "/webapp/guide?lang=en");
        assertTrue(folder.startsWith("HTTP/1.1 301"), folder);
        assertEquals("/webapp/guide/?lang=en", header(folder, "location"), "relative links of the index resolve inside the folder");
        assertTrue(curl("-i", base + "/webapp/guide/").endsWith("<a href=\"next.html\">next</a>\n"));
        assertTrue(curl("-i", base + "/webapp/css").startsWith("HTTP/1.1 404"), "a folder without an index is no one's to redirect");
        assertTrue(curl("-i", base + "/webapp/app.js/").startsWith("HTTP/1.1 404"), "a file is not a folder");
        assertTrue(curl("-i", base + "/webapp/app.js/.").startsWith("HTTP/1.1 404"));
    }

    @Test
    void etagAndLastModifiedGive304() throws Exception {
        String first = curl("-i", base + "/webapp/css/site.css");
        String etag = header(first, "etag");
        String lastModified = header(first, "last-modified");
        assertTrue(curl("-i", "-H", "If-None-Match: " + etag, base + "/webapp/css/site.css").startsWith("HTTP/1.1 304"));
        assertTrue(curl("-i", "-H", "If-Modified-Since: " + lastModified, base + "/webapp/css/site.css").startsWith("HTTP/1.1 304"));
        assertTrue(curl("-i", "-H", "If-None-Match: \"other\"", base + "/webapp/css/site.css").startsWith("HTTP/1.1 200"));
    }

    /** A folder that is a link, swapped to a new release as deploy tools do (a new link renamed over it): the new one is served. */
    @Test
    void aFolderThatIsALinkFollowsItsSwap() throws Exception {
        Path v1 = Files.createDirectories(home.resolve("releases/v1"));
        Path v2 = Files.createDirectories(home.resolve("releases/v2"));
        Files.writeString(v1.resolve("index.html"), "v1\n");
        Files.writeString(v2.resolve("index.html"), "v2\n");
        Path link = Files.createSymbolicLink(home.resolve("current"), v1);
        content.apply(ContentSettings.read(Map.of("folder", link.toString(), "mount", "/webapp/")));
        try {
            assertEquals("v1\n", curl(base + "/webapp/index.html"));
            Path next = Files.createSymbolicLink(home.resolve("current.next"), v2);
            Files.move(next, link, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            String served;
            do {
                Thread.sleep(100);
                served = curl(base + "/webapp/index.html");
            } while (!served.equals("v2\n") && System.nanoTime() < deadline);
            assertEquals("v2\n", served);

            // Turned to the installation folder (etc/, data/: keys): refused, the folder served before stays.
            Path wrong = Files.createSymbolicLink(home.resolve("current.wrong"), org.gatehouse.core.config.InstallationPaths.home());
            Files.move(wrong, link, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Thread.sleep(1300);
            assertEquals("v2\n", curl(base + "/webapp/index.html"));
        } finally {
            content.apply(ContentSettings.read(Map.of("folder", webapp.toString(), "mount", "/webapp/")));
        }
    }

    /** A deploy that keeps times (rsync -t, tar) replaces a file by a rename: the same size and time, new bytes, served at once. */
    @Test
    void aFileReplacedWithTheSameSizeAndTimeIsServedAnew() throws Exception {
        java.nio.file.attribute.FileTime time = java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L);
        Path file = Files.writeString(webapp.resolve("same.txt"), "one\n");
        Files.setLastModifiedTime(file, time);
        String first = curl("-i", base + "/webapp/same.txt");
        assertTrue(first.endsWith("one\n"), first);
        String etag = header(first, "etag");
        Path next = Files.writeString(webapp.resolve("same.txt.part"), "two\n");
        Files.setLastModifiedTime(next, time);
        Files.move(next, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals("two\n", curl(base + "/webapp/same.txt"));
        assertTrue(curl("-i", "-H", "If-None-Match: " + etag, base + "/webapp/same.txt").startsWith("HTTP/1.1 200"),
                "a browser revalidating the old one gets the new one, not 304");
    }

    /** A .git folder or .env copied in with the web app is not served; .well-known is. */
    @Test
    void hiddenFilesAreNotServed() throws Exception {
        Files.createDirectories(webapp.resolve(".git"));
        Files.writeString(webapp.resolve(".git/config"), "[remote \"origin\"]\n");
        Files.writeString(webapp.resolve(".env"), "TOKEN=x\n");
        Files.createDirectories(webapp.resolve(".well-known"));
        Files.writeString(webapp.resolve(".well-known/security.txt"), "Contact: mailto:x@example.com\n");
        assertTrue(curl("-i", base + "/webapp/.git/config").startsWith("HTTP/1.1 404"));
        assertTrue(curl("-i", base + "/webapp/%2Eenv").startsWith("HTTP/1.1 404"));
        assertTrue(curl("-i", base + "/webapp/.well-known/security.txt").endsWith("Contact: mailto:x@example.com\n"));
    }

    /** IMF-fixdate (RFC 9110): the day in two digits, which strict parsers require. */
    @Test
    void lastModifiedIsAnImfFixdate() throws Exception {
        Path file = webapp.resolve("dated.txt");
        Files.writeString(file, "dated\n");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(java.time.Instant.parse("2026-01-05T07:08:09Z")));
        assertEquals("Mon, 05 Jan 2026 07:08:09 GMT", header(curl("-i", base + "/webapp/dated.txt"), "last-modified"));
        assertTrue(curl("-i", "-H", "If-Modified-Since: Mon, 5 Jan 2026 07:08:09 GMT", base + "/webapp/dated.txt").startsWith("HTTP/1.1 304"),
                "a one-digit day is still read");
    }

    @Test
    void rangesGive206And416() throws Exception {
        String part = curl("-i", "-r", "5-9", base + "/webapp/index.html");
        assertTrue(part.startsWith("HTTP/1.1 206"), part);
        assertEquals("bytes 5-9/18", header(part, "content-range"));
        assertTrue(part.endsWith("randi"), part);
        assertTrue(curl("-i", "-r", "-3", base + "/webapp/index.html").endsWith("\r\n\r\n1>\n"), "the last 3 bytes");
        String headRange = curl("-I", "-r", "0-3", base + "/webapp/index.html");
        assertTrue(headRange.startsWith("HTTP/1.1 200"), "Range is for GET only: " + headRange);
        assertEquals("18", header(headRange, "content-length"));
        String bad = curl("-i", "-r", "100-200", base + "/webapp/index.html");
        assertTrue(bad.startsWith("HTTP/1.1 416"), bad);
        assertEquals("bytes */18", header(bad, "content-range"));
    }

    @Test
    void precompressedSiblingsForClientsThatAcceptThem() throws Exception {
        String gz = curl("-i", "-H", "Accept-Encoding: gzip", base + "/webapp/app.js");
        assertEquals("gzip", header(gz, "content-encoding"));
        assertEquals("text/javascript; charset=utf-8", header(gz, "content-type"));
        assertEquals("Accept-Encoding", header(gz, "vary"));
        assertTrue(curl("--compressed", base + "/webapp/app.js").equals("console.log('plain');\n"));
        String plain = curl("-i", base + "/webapp/app.js");
        assertEquals(null, header(plain, "content-encoding"));
        assertTrue(plain.endsWith("console.log('plain');\n"));
        assertEquals(null, header(curl("-i", "-H", "Accept-Encoding: gzip;q=0", base + "/webapp/app.js"), "content-encoding"));
        assertEquals(null, header(curl("-i", "-H", "Accept-Encoding: gzip;Q=0", base + "/webapp/app.js"), "content-encoding"),
                "the weight's name in either case");
    }

    /** A folder's redirect never names another host: {@code //guide} under the mount {@code /} would. */
    @Test
    void aFoldersRedirectStaysOnThisHost() {
        assertEquals("/guide/?a=1", ContentRoute.folderLocation("//guide", "//guide?a=1"));
        assertEquals("/webapp//guide/", ContentRoute.folderLocation("/webapp//guide", "/webapp//guide"));
    }

    /** A path padded with slashes reaches the same file, but is not remembered under each spelling. */
    @Test
    void slashPaddedPathsAreServedButNotRemembered() throws Exception {
        List<String> args = new ArrayList<>(List.of("-w", "%{http_code} "));
        for (int k = 1; k <= 300; k++) {
            args.addAll(List.of("-o", "/dev/null", base + "/webapp/" + "/".repeat(k) + "css/site.css"));
        }
        int before = content.route().resolvedPaths();
        String codes = curl(args.toArray(new String[0]));
        assertEquals(300, codes.split(" ").length, codes);
        assertTrue(codes.strip().chars().allMatch(c -> c == '2' || c == '0' || c == ' '), "each one served: " + codes.substring(0, 40));
        assertTrue(content.route().resolvedPaths() <= before + 1, "remembered: " + content.route().resolvedPaths());
    }

    @Test
    void noPathEscapesTheFolder() throws Exception {
        for (String attack : new String[] {"/webapp/../secret.txt", "/webapp/%2e%2e/secret.txt", "/webapp/..%2fsecret.txt",
            "/webapp/css/%2E%2E/%2e%2e/secret.txt", "/webapp/escape.txt", "/webapp/%00index.html", "/webapp/..%5csecret.txt",
            "/webapp/%zz"}) {
            String out = curl("-i", base + attack);
            assertFalse(out.contains("outside the folder"), attack + ":\n" + out);
            assertTrue(out.startsWith("HTTP/1.1 404") || out.startsWith("HTTP/1.1 400"), attack + ":\n" + out);
        }
    }

    /**
     * A file swapped for a link to a file outside the folder within the second its resolution is
     * remembered is not followed (small files read whole, large ones streamed).
     */
    @Test
    void aFileSwappedForALinkOutsideIsNotFollowed() throws Exception {
        Files.write(home.resolve("secret.bin"), ("outside the folder\n" + "s".repeat(300_000)).getBytes(StandardCharsets.US_ASCII));
        for (String name : new String[] {"swap.txt", "swap.bin"}) {
            Path file = webapp.resolve(name);
            Files.writeString(file, name.endsWith(".bin") ? "p".repeat(300_000) : "public\n");
            assertTrue(curl("-i", base + "/webapp/" + name).startsWith("HTTP/1.1 200"));
            Files.delete(file);
            Files.createSymbolicLink(file, home.resolve(name.endsWith(".bin") ? "secret.bin" : "secret.txt"));
            String out = curl("-i", base + "/webapp/" + name);
            assertFalse(out.contains("outside the folder"), name + ":\n" + out);
            assertTrue(out.startsWith("HTTP/1.1 404"), name + ":\n" + out);
        }
    }

    @Test
    void aChangedFileIsServedAtOnce() throws Exception {
        Files.writeString(webapp.resolve("live.txt"), "version 1\n");
        assertEquals("version 1\n", curl(base + "/webapp/live.txt"));
        Files.writeString(webapp.resolve("live.txt"), "version 2, longer\n");
        assertEquals("version 2, longer\n", curl(base + "/webapp/live.txt"));
    }

    @Test
    void anUnreadableFolderIsRefusedAndTheOldOneKeepsServing() throws Exception {
        Path file = Files.writeString(home.resolve("not-a-folder"), "x");
        content.apply(ContentSettings.read(Map.of("folder", file.toString(), "mount", "/webapp/")));
        assertTrue(curl(base + "/webapp/").contains("branding"));
    }

    @Test
    void aFolderThatDoesNotExistIsRefusedNotMadeEmpty() throws Exception {
        Path typo = home.resolve("wepbapp");
        content.apply(ContentSettings.read(Map.of("folder", typo.toString(), "mount", "/webapp/")));
        assertTrue(curl(base + "/webapp/").contains("branding"), "the folder in force keeps serving");
        assertFalse(Files.exists(typo), "no empty folder made for a typo");
    }
}
