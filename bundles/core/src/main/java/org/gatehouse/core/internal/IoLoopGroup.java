package org.gatehouse.core.internal;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.RejectedExecutionHandlers;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * The I/O threads, whichever transport: each loop runs its queued tasks for at most
 * {@value #TASK_QUANTUM_MS} ms before it looks at its sockets again. Netty 4.2's default gives tasks a
 * whole second, and a relay socket flooded faster than it is read (epoll: one datagram per read pass, the
 * next read queued as a task) would keep a loop in its task queue and starve every other socket on it;
 * Netty 4.1's I/O ratio, which bounded that, is gone.
 */
final class IoLoopGroup extends MultiThreadIoEventLoopGroup {

    static final long TASK_QUANTUM_MS = 1;

    IoLoopGroup(int threads, ThreadFactory threadFactory, IoHandlerFactory ioHandlerFactory) {
        super(threads, threadFactory, ioHandlerFactory);
    }

    @Override
    protected IoEventLoop newChild(Executor executor, IoHandlerFactory ioHandlerFactory, Object... args) {
        return new SingleThreadIoEventLoop(this, executor, ioHandlerFactory, Integer.MAX_VALUE,
                RejectedExecutionHandlers.reject(), TASK_QUANTUM_MS);
    }
}
