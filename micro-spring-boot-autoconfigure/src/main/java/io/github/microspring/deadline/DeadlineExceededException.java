package io.github.microspring.deadline;

/**
 * An outgoing call was not made, or was cut, because the deadline of the call chain was spent. Reaching a
 * controller, it is answered with 504 and a problem+json body.
 */
public class DeadlineExceededException extends RuntimeException {

	public DeadlineExceededException(String message) {
		super(message);
	}

	public DeadlineExceededException(String message, Throwable cause) {
		super(message, cause);
	}

}
