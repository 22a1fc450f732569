package org.gatehouse.balancer;

import java.util.List;

/**
 * The upstream pools and their nodes. Node changes are written to the pool's configuration file
 * (so a change typed in the shell and one made in the file are the same thing) and take effect for
 * the next request: a removed or drained node gets no new requests, while exchanges and event
 * streams already on it go on until they end.
 */
public interface Pools {

    List<PoolStatus> pools();

    /**
     * Adds a node, written as in the {@code nodes} key: {@code host:port} with optional
     * {@code weight=N}, {@code backup}, {@code drain}. A host name is looked up before this returns
     * (waiting a few seconds at most); one that does not resolve is added all the same, and its
     * node's state is {@code unresolved} until it does.
     *
     * @throws IllegalArgumentException naming what is wrong: unknown pool, invalid address, already there
     */
    void addNode(String pool, String node);

    /** Removes the node at {@code address} ({@code host:port}). */
    void removeNode(String pool, String address);

    /** Sends the node no new requests; what it serves now goes on. */
    void drainNode(String pool, String address);

    /** Undoes a drain (and forgets failures that marked the node down). */
    void enableNode(String pool, String address);
}
