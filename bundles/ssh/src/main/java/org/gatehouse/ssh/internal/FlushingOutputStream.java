package org.gatehouse.ssh.internal;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes every write on to the channel at once. The SSH channel's stream keeps what it is given
 * until it is flushed, and the Gogo session writes command output through NIO channels whose flush
 * does not reach it: a prompt printed without a line end would never appear, and a one-shot
 * command's output would arrive only at its end.
 */
final class FlushingOutputStream extends FilterOutputStream {

    FlushingOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        out.flush();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        out.flush();
    }
}
