package io.github.microspring.deadline;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

import io.github.microspring.client.OutgoingWebClientCustomizer;

import org.springframework.lang.Nullable;
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
		Deadline deadline = context.getOrDefault(DeadlineThreadLocalAccessor.KEY, null);
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
	 * next instance.
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
				if (deadline == null) {
					return (this.perTryTimeout != null) ? next.exchange(request).timeout(this.perTryTimeout)
							: next.exchange(request);
				}
				Duration remaining = deadline.remaining();
				if (remaining.isZero()) {
					return Mono.error(exceeded("before", request, null));
				}
				ClientRequest withBudget = ClientRequest.from(request)
					.headers((headers) -> headers.set(this.header, DeadlineHeaders.millis(remaining)))
					.build();
				Duration timeout = (this.perTryTimeout != null && this.perTryTimeout.compareTo(remaining) < 0)
						? this.perTryTimeout : remaining;
				return next.exchange(withBudget)
					.timeout(timeout)
					.onErrorMap(TimeoutException.class,
							(ex) -> deadline.isExpired() ? exceeded("during", request, ex) : ex);
			});
		}

	}

}
