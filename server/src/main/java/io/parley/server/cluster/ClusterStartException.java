package io.parley.server.cluster;

/** This node cannot join its cluster (Redis unreachable, nodeId taken): one line for the operator, exit status 2. */
public final class ClusterStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ClusterStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
