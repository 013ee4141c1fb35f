package io.github.microspring.etcd;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import javax.net.ssl.SSLException;

import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.netty.handler.ssl.NotSslRecordException;

/**
 * Deadlines and backoff shared by everything that calls etcd.
 */
public final class EtcdCalls {

	private static final String CHECK_TLS = "TLS handshake with etcd failed: check micro.etcd.ssl.bundle or "
			+ "micro.etcd.tls.*; the trusted certificates must include the authority of etcd's server certificate, "
			+ "and an etcd started with --client-cert-auth needs a client certificate and key";

	private static final String CHECK_CREDENTIALS = "etcd refused the credentials: check micro.etcd.username and "
			+ "micro.etcd.password";

	// etcd answers a wrong password with INVALID_ARGUMENT, so its messages tell authentication failures apart
	private static final List<String> AUTH_MESSAGES = List.of("authentication failed", "invalid auth token",
			"user name not found", "user name is empty");

	private EtcdCalls() {
	}

	/**
	 * Waits for an etcd call, never longer than its deadline. Use it for calls whose late answer leaves
	 * nothing behind (reads, revokes); for calls that create something, see
	 * {@link #await(CompletableFuture, Duration, Consumer)}.
	 * @param call the call under way
	 * @param deadline how long to wait
	 * @param <T> the answer's type
	 * @return the answer
	 * @throws Exception the call's own failure, or a {@link TimeoutException} naming the deadline
	 */
	public static <T> T await(CompletableFuture<T> call, Duration deadline) throws Exception {
		return await(call, deadline, (late) -> {
		});
	}

	/**
	 * Waits for an etcd call, never longer than its deadline, and hands an answer that arrives after we
	 * gave up to {@code lateAnswer}. Giving up does not stop the call: jetcd's futures are not wired to
	 * the gRPC call, so a timed-out lease grant or put may still land in etcd, and only its answer says
	 * what to clean up.
	 * @param call the call under way
	 * @param deadline how long to wait
	 * @param lateAnswer receives an answer that arrives after the deadline passed or the waiting thread was
	 * interrupted; it runs on jetcd's event loop and must not block
	 * @param <T> the answer's type
	 * @return the answer
	 * @throws Exception the call's own failure, a {@link TimeoutException} naming the deadline, or an
	 * {@link InterruptedException}
	 */
	public static <T> T await(CompletableFuture<T> call, Duration deadline, Consumer<? super T> lateAnswer)
			throws Exception {
		try {
			return call.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof Exception cause) ? cause : ex;
		}
		catch (TimeoutException ex) {
			call.thenAccept(lateAnswer);
			throw new TimeoutException("no answer from etcd within " + deadline.toMillis() + " ms");
		}
		catch (InterruptedException ex) {
			call.thenAccept(lateAnswer);
			throw ex;
		}
	}

	/**
	 * One line for logs and health details saying why an etcd call failed; where the cause lies in the
	 * configuration (TLS, authentication), it names the properties to check.
	 * @param failure the failure of an etcd call
	 * @return the description
	 */
	public static String describe(Throwable failure) {
		String description = oneLine(failure);
		Throwable tls = tlsFailure(failure);
		if (tls != null) {
			return ((tls != failure) ? description + "; " + oneLine(tls) : description) + " (" + CHECK_TLS + ")";
		}
		String check = whatToCheck(failure);
		return (check != null) ? description + " (" + check + ")" : description;
	}

	// gRPC appends the Netty pipeline to its messages on lines of their own
	private static String oneLine(Throwable failure) {
		String message = String.valueOf(failure.getMessage());
		int end = message.indexOf('\n');
		return failure.getClass().getSimpleName() + ": " + ((end < 0) ? message : message.substring(0, end)).trim();
	}

	private static Throwable tlsFailure(Throwable failure) {
		Throwable cause = failure;
		// bounded: a cause chain may loop
		for (int depth = 0; cause != null && depth < 20; depth++, cause = cause.getCause()) {
			if (cause instanceof SSLException || cause instanceof CertificateException
					|| cause instanceof CertPathValidatorException || cause instanceof NotSslRecordException) {
				return cause;
			}
		}
		return null;
	}

	private static String whatToCheck(Throwable failure) {
		Throwable cause = failure;
		for (int depth = 0; cause != null && depth < 20; depth++, cause = cause.getCause()) {
			String message = String.valueOf(cause.getMessage());
			if (AUTH_MESSAGES.stream().anyMatch(message::contains)) {
				return CHECK_CREDENTIALS;
			}
			String code = errorCode(cause);
			if (code != null) {
				switch (code) {
					case "UNAUTHENTICATED":
						return CHECK_CREDENTIALS;
					case "PERMISSION_DENIED":
						return "the etcd user lacks permission on the registry prefix: check micro.etcd.username "
								+ "and its etcd role";
					case "RESOURCE_EXHAUSTED":
						return "etcd's answer is larger than micro.etcd.max-inbound-message-size";
					default:
				}
			}
		}
		return null;
	}

	private static String errorCode(Throwable failure) {
		if (failure instanceof EtcdException etcd) {
			return etcd.getErrorCode().name();
		}
		if (failure instanceof StatusRuntimeException grpc) {
			return grpc.getStatus().getCode().name();
		}
		if (failure instanceof StatusException grpc) {
			return grpc.getStatus().getCode().name();
		}
		return null;
	}

	/**
	 * Delay before attempt {@code attempt + 1}: doubling from {@code min} up to {@code max}, then a random
	 * point in the upper half of that step, so a fleet restarted together spreads out.
	 * @param min first step
	 * @param max largest step
	 * @param attempt failed attempts so far, from 0
	 * @return the delay in milliseconds
	 */
	public static long backoffMillis(Duration min, Duration max, int attempt) {
		long base = Math.min(max.toMillis(), min.toMillis() << Math.min(attempt, 16));
		return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
	}

}
