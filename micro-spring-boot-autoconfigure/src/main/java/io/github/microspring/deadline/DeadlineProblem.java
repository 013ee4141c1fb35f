package io.github.microspring.deadline;

import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;

import org.springframework.lang.Nullable;

/**
 * When a failure means the deadline was spent, and the 504 problem+json body that answers it.
 */
final class DeadlineProblem {

	static final String CONTENT_TYPE = "application/problem+json";

	static final int STATUS = 504;

	private DeadlineProblem() {
	}

	/**
	 * A {@link DeadlineExceededException} anywhere in the causes, or a timeout once the deadline of the
	 * request is spent (the last try of a call cut by the deadline).
	 */
	static boolean isDeadlineExceeded(Throwable failure, @Nullable Deadline deadline) {
		boolean spent = deadline != null && deadline.isExpired();
		for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (cause instanceof DeadlineExceededException) {
				return true;
			}
			if (spent && (cause instanceof TimeoutException || cause instanceof InterruptedIOException)) {
				return true;
			}
		}
		return false;
	}

	static byte[] body(String path) {
		return ("{\"type\":\"about:blank\",\"title\":\"Gateway Timeout\",\"status\":504,"
				+ "\"detail\":\"Deadline exceeded\",\"instance\":\"" + path.replace("\\", "\\\\").replace("\"", "\\\"")
				+ "\"}")
			.getBytes(StandardCharsets.UTF_8);
	}

}
