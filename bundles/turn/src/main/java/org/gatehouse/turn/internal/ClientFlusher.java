package org.gatehouse.turn.internal;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import org.gatehouse.stun.StunConnection;

/**
 * Flushes what relay sockets queued toward clients once per event-loop pass instead of once per relay
 * socket: when many allocations' peers send in the same loop pass, everything bound for one client
 * socket leaves together (epoll: one sendmmsg call; io_uring: one batch of sends handed to the kernel
 * with the pass's other operations) rather than in one system call per allocation. The
 * flush runs as a task, after the loop has read every ready socket.
 */
final class ClientFlusher implements Runnable {

    private static final FastThreadLocal<ClientFlusher> PER_LOOP = new FastThreadLocal<>();

    private final EventLoop loop;
    private final ArrayList<StunConnection> dirty = new ArrayList<>(8);
    private boolean scheduled;

    private ClientFlusher(EventLoop loop) {
        this.loop = loop;
    }

    /** Drops this thread's flusher (the component stops: core's I/O threads outlive this bundle); a flush under way still runs. */
    static void forgetOnThisThread() {
        PER_LOOP.remove();
    }

    /** For tests: whether this thread holds a flusher. */
    static boolean heldOnThisThread() {
        return PER_LOOP.isSet();
    }

    /** Called on {@code loop} after a relay socket's read batch queued data for {@code connection}. */
    static void flushSoon(StunConnection connection, EventLoop loop) {
        ClientFlusher f = PER_LOOP.get();
        if (f == null || f.loop != loop) {
            f = new ClientFlusher(loop);
            PER_LOOP.set(f);
        }
        f.add(connection);
    }

    private void add(StunConnection connection) {
        ArrayList<StunConnection> d = dirty;
        for (int i = 0; i < d.size(); i++) {
            if (d.get(i) == connection) {
                return;
            }
        }
        d.add(connection);
        if (!scheduled) {
            scheduled = true;
            loop.execute(this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        ArrayList<StunConnection> d = dirty;
        for (int i = 0; i < d.size(); i++) {
            d.get(i).flush();
        }
        d.clear();
    }
}
