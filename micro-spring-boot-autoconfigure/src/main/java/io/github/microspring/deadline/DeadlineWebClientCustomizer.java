package io.github.microspring.deadline;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

import io.github.microspring.client.OutgoingWebClientCustomizer;
import io.github.microspring.metadata.ChainContext;
import io.github.microspring.metadata.ChainContextThreadLocalAccessor;

import org.springframework.lang.Nullable;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Deadline and per-try timeout on every WebClient the application builds. Outside the load balancer (first
 * filter) a call is refused once the deadline is spent. Inside it (last filter) each try sends what is left
 * and is cut at the smaller of that and the per-try timeout; a load-balanced call gets the per-try timeout
 * also without a deadline, so a frozen instance costs one bounded wait and a GET moves on to the next one.
 */
class DeadlineWebClientCustomizer implements OutgoingWebClientCustomizer {

	private final String header;

	private final Duration perTryTimeout;

	DeadlineWebClientCustomizer(String header, Duration perTryTimeout) {
		this.header = header;
		this.perTryTimeout = perTryTimeout;
	}

	@Override
	public void customize(WebClient.Builder builder) {
		builder.filters((filters) -> {
			if (filters.stream().noneMatch(Refusal.class::isInstance)) {
				filters.add(0, new Refusal());
			}
			if (filters.stream().noneMatch(PerTry.class::isInstance)) {
				filters.add(new PerTry(this.header, Balancers.anyIn(filters) ? this.perTryTimeout : null));
			}
		});
	}

	@Nullable
	static Deadline deadlineOf(ContextView context) {
		ChainContext carried = context.getOrDefault(ChainContextThreadLocalAccessor.KEY, null);
		Deadline deadline = (carried != null) ? carried.deadline() : null;
		return (deadline != null) ? deadline : Deadline.current();
	}

	private static DeadlineExceededException exceeded(String when, ClientRequest request, @Nullable Throwable cause) {
		return new DeadlineExceededException("Deadline exceeded " + when + " " + request.method() + " " + request.url(),
				cause);
	}

	/**
	 * Refuses a call once the deadline is spent, before the load balancer chooses an instance.
	 */
	static final class Refusal implements ExchangeFilterFunction {

		@Override
		public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
			return Mono.deferContextual((context) -> {
				Deadline deadline = deadlineOf(context);
				if (deadline != null && deadline.isExpired()) {
					return Mono.error(exceeded("before", request, null));
				}
				return next.exchange(request);
			});
		}

	}

	/**
	 * One try. A try cut by the deadline fails with {@link DeadlineExceededException}, which is not retried;
	 * one cut by the per-try timeout fails with a {@link TimeoutException}, which Spring Cloud retries on the
	 * next instance. Reactor's {@code timeout} operator cuts the try on every connector: on Reactor Netty a
	 * response timeout would add a handler to the connection's pipeline and remove it again on every request,
	 * which costs more than the operator's timer. The request is copied only to send the budget left.
	 */
	static final class PerTry implements ExchangeFilterFunction {

		private final String header;

		@Nullable
		private final Duration perTryTimeout;

		PerTry(String header, @Nullable Duration perTryTimeout) {
			this.header = header;
			this.perTryTimeout = perTryTimeout;
		}

		@Override
		public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
			return Mono.deferContextual((context) -> {
				Deadline deadline = deadlineOf(context);
				Duration timeout = this.perTryTimeout;
				ClientRequest sent = request;
				if (deadline != null) {
					Duration remaining = deadline.remaining();
					if (remaining.isZero()) {
						return Mono.error(exceeded("before", request, null));
					}
					sent = ClientRequest.from(request)
						.headers((headers) -> headers.set(this.header, DeadlineHeaders.millis(remaining)))
						.build();
					if (timeout == null || remaining.compareTo(timeout) < 0) {
						timeout = remaining;
					}
				}
				if (timeout == null) {
					return next.exchange(sent);
				}
				return next.exchange(sent).timeout(timeout).onErrorMap((ex) -> cut(ex, deadline, request));
			});
		}

		private static Throwable cut(Throwable failure, @Nullable Deadline deadline, ClientRequest request) {
			boolean timedOut = failure instanceof TimeoutException || ReactorNetty.isResponseTimeout(failure);
			if (!timedOut) {
				return failure;
			}
			if (deadline != null && deadline.isExpired()) {
				return exceeded("during", request, failure);
			}
			// Spring Cloud retries a java.util.concurrent.TimeoutException, not Netty's
			return (failure instanceof TimeoutException) ? failure
					: new TimeoutException("No response within the per-try timeout from " + request.url());
		}

	}

	/**
	 * Kept apart so that Reactor Netty's classes are only loaded when they are there: a response timeout the
	 * application set on its own {@code HttpClient} fails a try with Netty's exception.
	 */
	private static final class ReactorNetty {

		private static final boolean PRESENT = ClassUtils.isPresent("io.netty.handler.timeout.ReadTimeoutException",
				ReactorNetty.class.getClassLoader());

		static boolean isResponseTimeout(Throwable failure) {
			if (!PRESENT) {
				return false;
			}
			for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
				if (cause instanceof io.netty.handler.timeout.ReadTimeoutException) {
					return true;
				}
			}
			return false;
		}

	}

}
