package org.gatehouse.ssh.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Iterator;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.gatehouse.core.config.AtomicFiles;

/**
 * The key material under {@code data/ssh/}: the host key (made at the first start, never made again
 * while the file exists — clients pin it), the local client key {@code bin/client} logs in with, and
 * a {@code known_hosts} file that pins the host key under the alias {@code gatehouse} for
 * {@code bin/client}. Private keys are written in OpenSSH format, readable by their owner only.
 */
final class KeyFiles {

    /** The name {@code bin/client} gives the server ({@code ssh -o HostKeyAlias=gatehouse}). */
    static final String HOST_ALIAS = "gatehouse";
    /** ECDSA P-256: made and checked by the JDK alone, accepted by every OpenSSH client. */
    private static final String KEY_TYPE = "ecdsa-sha2-nistp256";

    private final Path folder;

    KeyFiles(Path folder) {
        this.folder = folder;
    }

    Path hostKeyFile() {
        return folder.resolve("host-key");
    }

    /**
     * {@code data/ssh/listening}: the address the shell listens on now, which bin/client connects to.
     * It can differ from the file's {@code listen} (a change that was refused keeps the old listener)
     * or have a port the file does not (port 0). Gone while nothing listens.
     */
    Path listeningFile() {
        return folder.resolve("listening");
    }

    void writeListening(String address) throws IOException {
        Files.createDirectories(folder);
        writeIfChanged(listeningFile(), address + "\n");
    }

    Path clientKeyFile() {
        return folder.resolve("client-key");
    }

    Path knownHostsFile() {
        return folder.resolve("known_hosts");
    }

    /** Loads the host key, or makes one when there is none; refreshes host-key.pub and known_hosts. */
    KeyPair hostKey() throws IOException, GeneralSecurityException {
        KeyPair pair = loadOrCreate(hostKeyFile(), "gatehouse host key");
        String line = PublicKeyEntry.toString(pair.getPublic());
        writeIfChanged(folder.resolve("host-key.pub"), line + " gatehouse host key\n");
        writeIfChanged(knownHostsFile(), HOST_ALIAS + " " + line + "\n");
        return pair;
    }

    /** The public half of the local client key, made when missing. */
    PublicKey clientKey() throws IOException, GeneralSecurityException {
        KeyPair pair = loadOrCreate(clientKeyFile(), "gatehouse bin/client");
        writeIfChanged(folder.resolve("client-key.pub"), PublicKeyEntry.toString(pair.getPublic()) + " gatehouse bin/client\n");
        return pair.getPublic();
    }

    static String fingerprint(PublicKey key) {
        return KeyUtils.getFingerPrint(key);
    }

    private static KeyPair loadOrCreate(Path file, String comment) throws IOException, GeneralSecurityException {
        if (Files.exists(file)) {
            Iterator<KeyPair> keys = new FileKeyPairProvider(file).loadKeys(null).iterator();
            if (!keys.hasNext()) {
                throw new IOException(file + " holds no private key; restore it, or move it away to have a new one made");
            }
            return keys.next();
        }
        KeyPair pair = KeyUtils.generateKeyPair(KEY_TYPE, 256);
        ByteArrayOutputStream key = new ByteArrayOutputStream();
        OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, null, key);
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, key.toByteArray(), AtomicFiles.Option.OWNER_ONLY, AtomicFiles.Option.NON_ATOMIC_FALLBACK);
        return pair;
    }

    /** Public material (public keys, known_hosts, the listening address): the file system's default permissions. */
    private static void writeIfChanged(Path file, String text) throws IOException {
        AtomicFiles.writeIfChanged(file, text, StandardCharsets.UTF_8, AtomicFiles.Option.NON_ATOMIC_FALLBACK);
    }
}
