package io.github.microspring.logging;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Delivers log records to the broker, in order. Called from the sender thread only.
 */
interface LogSender {

	/**
	 * Sends the records in order, without waiting for the broker.
	 * @return completes with how many records, counted from the first, the broker acknowledged; fewer than
	 * sent means the rest were not delivered (or their acknowledgement was lost) and must be sent again
	 */
	CompletableFuture<Integer> send(List<LogRecord> records);

	/**
	 * Releases the connection, waiting at most {@code timeout} for what is still in flight.
	 */
	void close(Duration timeout);

}
