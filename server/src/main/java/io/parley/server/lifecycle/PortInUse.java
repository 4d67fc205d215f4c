package io.parley.server.lifecycle;

import java.net.BindException;

/**
 * A listener could not bind its port (in use, or not allowed): one line naming the port and what changes it, so that
 * {@code Main} prints it and exits 2 instead of a stack trace.
 */
public final class PortInUse extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private PortInUse(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    /** Work that binds one listener. */
    @FunctionalInterface
    public interface Binding<T> {
        T bind() throws InterruptedException;
    }

    /**
     * Runs {@code binding}; a bind failure becomes a PortInUse whose message names {@code what} (e.g. "gateway TCP"),
     * the address and port, and {@code change} (the option, variable and key that move it). Other failures pass.
     */
    public static <T> T bind(String what, String host, int port, String change, Binding<T> binding)
            throws InterruptedException {
        try {
            return binding.bind();
        } catch (RuntimeException e) {
            throw translate(e, what, host, port, change);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // Netty's sync() rethrows a BindException (checked) without declaring it.
            RuntimeException t = translate(e, what, host, port, change);
            if (t instanceof PortInUse) {
                throw t;
            }
            throw new IllegalStateException(what + " listener on " + host + ":" + port + ": " + e, e);
        }
    }

    private static RuntimeException translate(Exception e, String what, String host, int port, String change) {
        String reason = reason(e);
        if (reason == null) {
            return e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        return new PortInUse(what + " port " + port + " on " + host + " " + reason + ": " + change, e);
    }

    /** "is already in use" / "is not allowed (...)" when {@code e} is a bind failure, else null. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("Address already in use")) {
                return "is already in use (another Parley, or another program, has it)";
            }
            if (m.contains("Permission denied") || m.contains("Cannot assign requested address")) {
                return "cannot be bound (" + m.replaceFirst("^.*?failed: ", "") + ")";
            }
            if (t instanceof BindException) {
                return "cannot be bound (" + m + ")";
            }
        }
        return null;
    }
}
