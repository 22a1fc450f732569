package org.gatehouse.content.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.gatehouse.tls.http.HttpDates;
import org.gatehouse.tls.http.HttpExchange;
import org.gatehouse.tls.http.HttpRoute;

/**
 * Serves files from one folder under one mount: content types by extension, ETag and Last-Modified
 * with 304 answers, single byte ranges (206, 416), precompressed {@code .br} and {@code .gz} siblings
 * for clients that accept them, {@code index.html} for folders. No path escapes the folder: dot
 * segments (also percent-encoded), NUL and backslashes are refused, and the file's real path (symlinks
 * resolved) must lie inside the folder's. Files are read on every request, so a changed file is
 * served at once; bodies are streamed in 64 KB pieces as the client takes them.
 */
final class ContentRoute implements HttpRoute {

    private static final int PIECE = 64 * 1024;
    /** How If-Modified-Since is read: leniently, a one-digit day too (answers write HttpDates.IMF_FIXDATE). */
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

    /**
     * The folder served, as configured and as its real path. The real path is looked up again at most
     * once a second, so a folder that is a symbolic link swapped to a new release (webapp ->
     * releases/v2) serves the new one without a configuration change.
     */
    static final class Served {
        private final Path configured;
        private final ContentSettings settings;
        private volatile Path real;
        private volatile long checkedNanos;
        /** The last real path refused (reported once). */
        private volatile Path refused;

        Served(Path configured, Path real, ContentSettings settings) {
            this.configured = configured;
            this.real = real;
            this.settings = settings;
            this.checkedNanos = System.nanoTime();
        }

        /** The folder's real path: every file served is under it. */
        Path folder() {
            long now = System.nanoTime();
            if (now - checkedNanos >= RESOLVED_NANOS) {
                checkedNanos = now;
                try {
                    Path r = configured.toRealPath();
                    if (!r.equals(real) && Files.isDirectory(r)) {
                        String secrets = ContentSettings.secrets(r);
                        if (secrets == null) {
                            real = r;
                        } else if (!r.equals(refused)) {
                            // A link turned to the installation folder (or etc/, data/): the folder served before stays.
                            refused = r;
                            ContentComponent.LOG.warn("{}: folder = {} now leads to {}, which {}; still serving {}", settings.source(),
                                    configured, r, secrets, real);
                        }
                    }
                } catch (IOException | SecurityException e) {
                    // Gone for a moment (a swap in two steps): the last one found serves meanwhile.
                }
            }
            return real;
        }

        ContentSettings settings() {
            return settings;
        }
    }

    /** How long a resolved real path is trusted before the folder is walked again. */
    private static final long RESOLVED_NANOS = 1_000_000_000L;
    /** Longest request path (after the mount) whose resolution is remembered. */
    static final int MAX_CACHED_PATH = 256;
    /** Files up to this size are kept in memory while their modification time and size stay the same. */
    private static final int SMALL = 64 * 1024;
    private static final long SMALL_TOTAL = 32L * 1024 * 1024;

    private record Resolution(Path real, Path root, long checkedNanos) {
    }

    /** A small file's bytes and what they were read under: time, size and file key (a file replaced by a rename, a new inode). */
    private record Small(java.nio.file.attribute.FileTime modified, long size, Object key, byte[] bytes) {
    }

    private volatile Served served;
    /** Request path to real path: walking and resolving the folder costs a system call per component. */
    private final java.util.concurrent.ConcurrentHashMap<String, Resolution> resolved = new java.util.concurrent.ConcurrentHashMap<>();
    /** Small files' bytes, checked against one stat per request, so a changed file is still served at once. */
    private final java.util.concurrent.ConcurrentHashMap<Path, Small> small = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong smallBytes = new java.util.concurrent.atomic.AtomicLong();

    /** Request paths whose resolution is remembered (tests). */
    int resolvedPaths() {
        return resolved.size();
    }

    void serve(Served s) {
        this.served = s;
        resolved.clear();
        small.clear();
        smallBytes.set(0);
    }

    /** {@link #resolve(Served, String)}, remembered for a second (never a miss: a new file is found at once). */
    private Path cachedResolve(Served s, String relative) {
        long now = System.nanoTime();
        Path root = s.folder();
        Resolution r = resolved.get(relative);
        if (r != null && now - r.checkedNanos() < RESOLVED_NANOS && r.root().equals(root)) {
            return r.real();
        }
        Path real = resolve(s, relative);
        // Only the short, plain spellings a web app links to: a path padded with slashes is another key
        // for the same file, and anyone could fill the table with long ones.
        if (real != null && relative.length() <= MAX_CACHED_PATH && !relative.contains("//")) {
            if (resolved.size() > 10_000) {
                resolved.clear();
            }
            resolved.put(relative, new Resolution(real, root, now));
        }
        return real;
    }

    /** The bytes of a small file whose attributes are {@code attrs}, read now or kept from before. */
    private byte[] smallFile(Path file, BasicFileAttributes attrs) throws IOException {
        Small kept = small.get(file);
        if (kept != null && kept.modified().equals(attrs.lastModifiedTime()) && kept.size() == attrs.size()
                && java.util.Objects.equals(kept.key(), attrs.fileKey())) {
            return kept.bytes();
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readAllBytes();
        }
        if (bytes.length != attrs.size()) {
            return bytes; // changing under us: serve what was read, keep nothing
        }
        if (smallBytes.addAndGet(bytes.length) > SMALL_TOTAL) {
            small.clear();
            smallBytes.set(bytes.length);
        }
        small.put(file, new Small(attrs.lastModifiedTime(), attrs.size(), attrs.fileKey(), bytes));
        return bytes;
    }

    @Override
    public void handle(HttpExchange x) {
        Served s = served;
        HttpMethod method = x.request().method();
        boolean head = method.equals(HttpMethod.HEAD);
        if (!head && !method.equals(HttpMethod.GET)) {
            if (x.pass()) {
                return;
            }
            HttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED);
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            x.head(r);
            x.end(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        String path = x.path();
        String mount = s.settings().mount();
        if (!path.startsWith(mount)) {
            notFound(x);
            return;
        }
        String relative;
        try {
            relative = decode(path.substring(mount.length()));
        } catch (IllegalArgumentException e) {
            x.respond(HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8", "malformed path: " + e.getMessage() + "\n");
            return;
        }
        Path file = cachedResolve(s, relative);
        if (file == null) {
            notFound(x);
            return;
        }
        if (file == FOLDER_WITHOUT_SLASH) {
            HttpResponse r = response(HttpResponseStatus.MOVED_PERMANENTLY);
            r.headers().set(HttpHeaderNames.LOCATION, folderLocation(path, x.request().uri()));
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            x.respond(r, LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        try {
            send(x, s, file, head);
        } catch (NoSuchFileException e) {
            notFound(x);
        } catch (IOException e) {
            x.respond(HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", "the file cannot be read\n");
        }
    }

    /** No such file here: a route behind this one (the web app from the nodes) may serve the path; else 404. */
    private static void notFound(HttpExchange x) {
        if (x.pass()) {
            return;
        }
        x.respond(HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8", "not found\n");
    }

    /** Percent-decoding of a path, strict: bad escapes, NUL and backslash are errors; '+' stays '+'. */
    static String decode(String raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new IllegalArgumentException("truncated percent escape");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("invalid percent escape");
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                out.write(c);
            }
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not UTF-8");
        }
        if (text.indexOf('\0') >= 0 || text.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("NUL or backslash");
        }
        return text;
    }

    /**
     * What {@link #resolve} answers for a folder named without its trailing slash whose index file
     * exists: the client is sent to the path with the slash (301), as nginx does, so that the index
     * page's relative links resolve inside the folder.
     */
    static final Path FOLDER_WITHOUT_SLASH = Path.of("folder-without-slash");

    /**
     * The file for a decoded relative path, or null when it would leave the folder or does not exist,
     * or when the path ends with a slash but names a file; {@link #FOLDER_WITHOUT_SLASH} for a folder
     * whose index file exists named without its slash.
     */
    static Path resolve(Served s, String relative) {
        boolean folderAsked = relative.isEmpty() || relative.endsWith("/");
        Path root = s.folder();
        Path p = root;
        for (String segment : relative.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            if (segment.startsWith(".") && !segment.equals(".well-known")) {
                // ".", ".." and hidden files: .git/, .env, .htpasswd copied in with the web app are not its pages.
                return null;
            }
            p = p.resolve(segment);
        }
        try {
            boolean folder = Files.isDirectory(p);
            if (folder) {
                p = p.resolve(s.settings().index());
            } else if (folderAsked) {
                return null;
            }
            Path real = p.toRealPath();
            if (!real.startsWith(root) || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            return folder && !folderAsked ? FOLDER_WITHOUT_SLASH : real;
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /**
     * Where a folder asked for without its slash is: the path with a slash, and the query. Leading
     * slashes are one: {@code //guide} would be read by a browser as the host {@code guide}.
     */
    static String folderLocation(String path, String uri) {
        int query = uri.indexOf('?');
        return path.replaceFirst("^/+", "/") + "/" + (query < 0 ? "" : uri.substring(query));
    }

    private void send(HttpExchange x, Served s, Path file, boolean head) throws IOException {
        send(x, s, file, head, false);
    }

    private void send(HttpExchange x, Served s, Path file, boolean head, boolean again) throws IOException {
        HttpHeaders req = x.request().headers();
        String encoding = null;
        Path body = file;
        String accept = req.get(HttpHeaderNames.ACCEPT_ENCODING, "");
        for (String[] candidate : new String[][] {{"br", ".br"}, {"gzip", ".gz"}}) {
            if (accepts(accept, candidate[0])) {
                Path sibling = file.resolveSibling(file.getFileName() + candidate[1]);
                Path real = sibling;
                try {
                    real = sibling.toRealPath();
                } catch (IOException e) {
                    continue;
                }
                if (real.startsWith(s.folder()) && Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                    encoding = candidate[0];
                    body = real;
                    break;
                }
            }
        }
        // Not through a link: the path was resolved inside the folder up to a second ago (remembered),
        // and a file swapped since for a link (to etc/tls/server.key, say) must not be followed.
        BasicFileAttributes attrs = Files.readAttributes(body, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isRegularFile()) {
            resolved.remove(relativeKey(x, s));
            throw new NoSuchFileException(body.toString(), null, "no longer a regular file");
        }
        long size = attrs.size();
        Instant modified = attrs.lastModifiedTime().toInstant();
        // The file key (inode) too: a file replaced by a rename with the same time and size is another.
        Object key = attrs.fileKey();
        String etag = "\"" + Long.toHexString(modified.toEpochMilli()) + "-" + Long.toHexString(size)
                + (key == null ? "" : "-" + Integer.toHexString(key.hashCode())) + (encoding == null ? "" : "-" + encoding) + "\"";
        String lastModified = HttpDates.IMF_FIXDATE.format(ZonedDateTime.ofInstant(modified, ZoneOffset.UTC));

        HttpResponse r = response(HttpResponseStatus.OK);
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, MediaTypes.of(file.getFileName().toString()));
        h.set(HttpHeaderNames.ETAG, etag);
        h.set(HttpHeaderNames.LAST_MODIFIED, lastModified);
        h.set(HttpHeaderNames.CACHE_CONTROL, s.settings().cacheControl());
        h.set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        h.set(HttpHeaderNames.VARY, "Accept-Encoding");
        if (encoding != null) {
            h.set(HttpHeaderNames.CONTENT_ENCODING, encoding);
        }
        if (notModified(req, etag, modified)) {
            r.setStatus(HttpResponseStatus.NOT_MODIFIED);
            x.head(r);
            x.end(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        long from = 0;
        long length = size;
        String range = req.get(HttpHeaderNames.RANGE);
        // Range is for GET only (RFC 9110 section 14.2): a HEAD answer describes the whole file.
        if (range != null && !head && ifRangeHolds(req.get(HttpHeaderNames.IF_RANGE), etag, lastModified)) {
            long[] span = range(range, size);
            if (span == null) {
                HttpResponse bad = response(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
                bad.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
                bad.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                x.head(bad);
                x.end(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            if (span.length == 2) {
                from = span[0];
                length = span[1] - span[0] + 1;
                r.setStatus(HttpResponseStatus.PARTIAL_CONTENT);
                h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + span[0] + "-" + span[1] + "/" + size);
            }
        }
        h.set(HttpHeaderNames.CONTENT_LENGTH, length);
        if (head || length == 0) {
            x.head(r);
            x.end(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        if (size <= SMALL) {
            byte[] bytes;
            try {
                bytes = smallFile(body, attrs);
            } catch (NoSuchFileException e) {
                resolved.remove(relativeKey(x, s));
                throw e;
            } catch (FileSystemException e) {
                throw swappedForALink(x, s, body, e);
            }
            if (from + length > bytes.length) {
                x.respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", "the file is changing; try again\n");
                return;
            }
            x.head(r);
            x.end(new DefaultLastHttpContent(Unpooled.wrappedBuffer(bytes, (int) from, (int) length)));
            return;
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(body, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (FileSystemException e) {
            throw swappedForALink(x, s, body, e);
        }
        BasicFileAttributes opened;
        try {
            opened = Files.readAttributes(body, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            closeQuietly(channel);
            throw e;
        }
        if (!opened.lastModifiedTime().equals(attrs.lastModifiedTime()) || opened.size() != size
                || !java.util.Objects.equals(opened.fileKey(), key)) {
            // Replaced between the look at it and its opening (a deploy renaming a new file in): the
            // head says what the open file is, or the client would keep the new bytes under the old ETag.
            closeQuietly(channel);
            if (!again) {
                send(x, s, file, head, true);
            } else {
                x.respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", "the file is changing; try again\n");
            }
            return;
        }
        x.head(r);
        stream(x, channel, from, length);
    }

    /**
     * Opening without following a link failed: a link put in place of the file since it was looked at
     * (ELOOP, a plain FileSystemException) is no such file here, and its resolution is forgotten;
     * anything else (permissions) is what it is.
     */
    private IOException swappedForALink(HttpExchange x, Served s, Path body, FileSystemException e) {
        if (e.getClass() != FileSystemException.class || !Files.isSymbolicLink(body)) {
            return e;
        }
        resolved.remove(relativeKey(x, s));
        return new NoSuchFileException(body.toString(), null, "a symbolic link now");
    }

    private static String relativeKey(HttpExchange x, Served s) {
        try {
            return decode(x.path().substring(s.settings().mount().length()));
        } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
            return "";
        }
    }

    /** Writes {@code length} bytes from {@code position}, one piece after the client took the previous one. */
    private static void stream(HttpExchange x, FileChannel channel, long position, long length) {
        int n = (int) Math.min(PIECE, length);
        ByteBuf buf = x.alloc().ioBuffer(n);
        try {
            int read = 0;
            while (read < n) {
                int r = buf.writeBytes(channel, position + read, n - read);
                if (r < 0) {
                    break;
                }
                read += r;
            }
            if (read < n) {
                // The file shrank while being sent: the length promised cannot be kept; end the connection.
                buf.release();
                closeQuietly(channel);
                x.channel().close();
                return;
            }
        } catch (IOException e) {
            buf.release();
            closeQuietly(channel);
            x.channel().close();
            return;
        }
        long rest = length - n;
        if (rest == 0) {
            closeQuietly(channel);
            x.end(new DefaultLastHttpContent(buf));
            return;
        }
        HttpContent piece = new DefaultHttpContent(buf);
        x.write(piece).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                stream(x, channel, position + n, rest);
            } else {
                closeQuietly(channel);
            }
        });
    }

    private static void closeQuietly(FileChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    static boolean accepts(String acceptEncoding, String coding) {
        for (String part : acceptEncoding.split(",")) {
            String[] p = part.strip().split(";");
            if (p[0].strip().equalsIgnoreCase(coding)) {
                for (int i = 1; i < p.length; i++) {
                    String q = p[i].strip();
                    if (q.regionMatches(true, 0, "q=", 0, 2) && q.substring(2).strip().matches("0(\\.0*)?")) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    private static boolean notModified(HttpHeaders req, String etag, Instant modified) {
        String inm = req.get(HttpHeaderNames.IF_NONE_MATCH);
        if (inm != null) {
            for (String tag : inm.split(",")) {
                String t = tag.strip();
                if (t.equals("*") || t.equals(etag) || t.equals("W/" + etag)) {
                    return true;
                }
            }
            return false;
        }
        String ims = req.get(HttpHeaderNames.IF_MODIFIED_SINCE);
        if (ims != null) {
            try {
                Instant since = ZonedDateTime.parse(ims, HTTP_DATE).toInstant();
                return modified.getEpochSecond() <= since.getEpochSecond();
            } catch (DateTimeParseException e) {
                return false;
            }
        }
        return false;
    }

    private static boolean ifRangeHolds(String ifRange, String etag, String lastModified) {
        return ifRange == null || ifRange.strip().equals(etag) || ifRange.strip().equals(lastModified);
    }

    /**
     * A single {@code bytes=} range as {first, last}; an empty array for a header to ignore (several
     * ranges, another unit: the whole file is sent); null when unsatisfiable (416).
     */
    static long[] range(String header, long size) {
        String h = header.strip();
        if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) {
            return new long[0];
        }
        String spec = h.substring(6).strip();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new long[0];
        }
        String a = spec.substring(0, dash).strip();
        String b = spec.substring(dash + 1).strip();
        try {
            if (a.isEmpty()) {
                if (b.isEmpty()) {
                    return new long[0];
                }
                long suffix = Long.parseLong(b);
                if (suffix <= 0 || size == 0) {
                    return null;
                }
                return new long[] {Math.max(0, size - suffix), size - 1};
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            if (first >= size || (!b.isEmpty() && Long.parseLong(b) < first)) {
                return null;
            }
            return new long[] {first, last};
        } catch (NumberFormatException e) {
            return new long[0];
        }
    }

    private static HttpResponse response(HttpResponseStatus status) {
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    }

}
