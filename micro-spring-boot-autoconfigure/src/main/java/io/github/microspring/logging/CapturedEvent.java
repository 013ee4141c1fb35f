package io.github.microspring.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * A log event with everything thread-bound already taken from the logging thread, and its place in this
 * instance's sequence.
 */
record CapturedEvent(long sequence, ILoggingEvent event) {

}
