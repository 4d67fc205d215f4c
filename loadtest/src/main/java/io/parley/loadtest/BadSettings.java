package io.parley.loadtest;

/** A setting the run cannot go ahead with; the message says what was given and what was expected (exit code 2). */
final class BadSettings extends RuntimeException {
    BadSettings(String message) {
        super(message);
    }
}
