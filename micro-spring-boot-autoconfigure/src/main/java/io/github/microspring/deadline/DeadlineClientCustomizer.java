package io.github.microspring.deadline;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import reactor.core.publisher.Mono;

import io.github.microspring.client.ClientCustomizer;

import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.lang.Nullable;
import org.springframework.util.ClassUtils;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Deadline and per-try timeout on every HTTP client the application builds. Outside the load balancer
 * (first in the list) a call is refused once the deadline is spent. Inside it (last in the list, or in the
 * request factory of blocking clients) each try sends what is left and is cut at the smaller of what is left
 * and the per-try timeout; a load-balanced call gets the per-try timeout also without a deadline, so a frozen
 * instance costs one bounded wait and a GET moves on to the next instance.
 */
class DeadlineClientCustomizer implements ClientCustomizer {

	private static final String BLOCKING_BALANCER = "org.springframework.cloud.client.loadbalancer.BlockingLoadBalancerInterceptor";

	private static final String DEFERRING_BALANCER = "org.springframework.cloud.client.loadbalancer.DeferringLoadBalancerInterceptor";

	private static final String REACTIVE_BALANCER = "org.springframework.cloud.client.loadbalancer.reactive.LoadBalancedExchangeFilterFunction";

	/**
	 * Spring Cloud's load balancers, when it is there.
	 */
	private static final List<Class<?>> BALANCERS = balancers(BLOCKING_BALANCER, DEFERRING_BALANCER,
			REACTIVE_BALANCER);

	private final String header;

	private final Duration perTryTimeout;

	@Nullable
	private final HttpClient blockingClient;

	/**
	 * @param blockingClient the client of the request factory given to blocking clients, or {@code null} to
	 * leave theirs
	 */
	DeadlineClientCustomizer(String header, Duration perTryTimeout, @Nullable HttpClient blockingClient) {
		this.header = header;
		this.perTryTimeout = perTryTimeout;
		this.blockingClient = blockingClient;
	}

	@Override
	public void customize(RestClient.Builder builder) {
		boolean[] balanced = new boolean[1];
		builder.requestInterceptors((interceptors) -> {
			balanced[0] = interceptors.stream().anyMatch(DeadlineClientCustomizer::isBalancer);
			addFirst(interceptors);
		});
		if (this.blockingClient != null) {
			boolean loadBalanced = balanced[0];
			builder.requestFactory(new PerTryRequestFactory(this.blockingClient, this.header,
					() -> loadBalanced ? this.perTryTimeout : null));
		}
	}

	@Override
	public void customize(RestTemplate template) {
		List<ClientHttpRequestInterceptor> interceptors = template.getInterceptors();
		addFirst(interceptors);
		if (this.blockingClient != null && !(rawFactory(template) instanceof PerTryRequestFactory)) {
			// Spring Cloud adds its interceptor to a @LoadBalanced RestTemplate after this runs
			BooleanSupplier balanced = () -> template.getInterceptors().stream().anyMatch(DeadlineClientCustomizer::isBalancer);
			template.setRequestFactory(new PerTryRequestFactory(this.blockingClient, this.header,
					() -> balanced.getAsBoolean() ? this.perTryTimeout : null));
		}
	}

	@Override
	public void customize(WebClient.Builder builder) {
		builder.filters((filters) -> {
			if (filters.stream().noneMatch(Refusal.class::isInstance)) {
				filters.add(0, new Refusal());
			}
			if (filters.stream().noneMatch(PerTry.class::isInstance)) {
				boolean balanced = filters.stream().anyMatch(DeadlineClientCustomizer::isBalancer);
				filters.add(new PerTry(this.header, balanced ? this.perTryTimeout : null));
			}
		});
	}

	private void addFirst(List<ClientHttpRequestInterceptor> interceptors) {
		if (interceptors.stream().noneMatch(Check.class::isInstance)) {
			interceptors.add(0, new Check(this.header, this.blockingClient == null));
		}
	}

	private static Object rawFactory(RestTemplate template) {
		List<ClientHttpRequestInterceptor> interceptors = template.getInterceptors();
		if (interceptors.isEmpty()) {
			return template.getRequestFactory();
		}
		return null;
	}

	private static boolean isBalancer(Object interceptorOrFilter) {
		for (Class<?> balancer : BALANCERS) {
			if (balancer.isInstance(interceptorOrFilter)) {
				return true;
			}
		}
		return false;
	}

	private static List<Class<?>> balancers(String... names) {
		ClassLoader loader = DeadlineClientCustomizer.class.getClassLoader();
		return Stream.of(names)
			.filter((name) -> ClassUtils.isPresent(name, loader))
			.<Class<?>>map((name) -> ClassUtils.resolveClassName(name, loader))
			.toList();
	}

	@Nullable
	static Deadline deadlineOf(reactor.util.context.ContextView context) {
		Deadline deadline = context.getOrDefault(DeadlineThreadLocalAccessor.KEY, null);
		return (deadline != null) ? deadline : Deadline.current();
	}

	/**
	 * Refuses a blocking call once the deadline is spent; sends the budget when the request factory is not
	 * ours (ours sends it per try).
	 */
	static final class Check implements ClientHttpRequestInterceptor {

		private final String header;

		private final boolean sendsHeader;

		Check(String header, boolean sendsHeader) {
			this.header = header;
			this.sendsHeader = sendsHeader;
		}

		@Override
		public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
				throws IOException {
			Deadline deadline = Deadline.current();
			if (deadline != null) {
				deadline.check(request.getMethod() + " " + request.getURI());
				if (this.sendsHeader) {
					request.getHeaders().set(this.header, DeadlineHeaders.millis(deadline.remaining()));
				}
			}
			return execution.execute(request, body);
		}

	}

	/**
	 * Refuses a reactive call once the deadline is spent, before the load balancer chooses an instance.
	 */
	static final class Refusal implements ExchangeFilterFunction {

		@Override
		public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
			return Mono.deferContextual((context) -> {
				Deadline deadline = deadlineOf(context);
				if (deadline != null && deadline.isExpired()) {
					return Mono.error(new DeadlineExceededException(
							"Deadline exceeded before " + request.method() + " " + request.url()));
				}
				return next.exchange(request);
			});
		}

	}

	/**
	 * One try: sends what is left and cuts the try at the smaller of that and the per-try timeout. A try cut
	 * by the deadline fails with {@link DeadlineExceededException}, which is not retried; one cut by the
	 * per-try timeout fails with a {@link TimeoutException}, which Spring Cloud retries on the next instance.
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
					return Mono.error(new DeadlineExceededException(
							"Deadline exceeded before " + request.method() + " " + request.url()));
				}
				ClientRequest withBudget = ClientRequest.from(request)
					.headers((headers) -> headers.set(this.header, DeadlineHeaders.millis(remaining)))
					.build();
				Duration timeout = (this.perTryTimeout != null && this.perTryTimeout.compareTo(remaining) < 0)
						? this.perTryTimeout : remaining;
				return next.exchange(withBudget)
					.timeout(timeout)
					.onErrorMap(TimeoutException.class, (ex) -> deadline.isExpired()
							? new DeadlineExceededException("Deadline exceeded during " + request.method() + " "
									+ request.url(), ex)
							: ex);
			});
		}

	}

}
