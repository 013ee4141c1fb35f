package io.github.microspring.loadbalancer;

import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.cloud.client.loadbalancer.LoadBalancerProperties;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.RetryableRequestContext;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancedExchangeFilterFunction;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancerClientRequestTransformer;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancerRetryContext;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancerRetryPolicy;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.client.loadbalancer.reactive.RetryableExchangeFilterFunctionLoadBalancerRetryPolicy;
import org.springframework.cloud.client.loadbalancer.reactive.RetryableLoadBalancerExchangeFilterFunction;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Spring Cloud's retrying WebClient filter, applied by method: a GET (any method with
 * {@code spring.cloud.loadbalancer.retry.retry-on-all-operations}) is retried as Spring Cloud configures
 * it; any other call only when the connection could not be made, because the request was not sent then.
 * Spring Cloud's filter alone retries every method on any {@link java.io.IOException} or timeout, which can
 * send a POST twice when the connection breaks after the request went out.
 * <p>
 * Spring Cloud's filter asks the balancer again for a retry on the same instance
 * ({@code max-retries-on-same-service-instance}) as for one on the next instance, with the instance the
 * retry comes from as the previous one, which our balancer leaves out. Here a retry on the same instance
 * goes to that instance, as the blocking {@code RetryLoadBalancerInterceptor} does, and only a retry on the
 * next instance asks the balancer.
 */
class MethodAwareRetryFilter implements LoadBalancedExchangeFilterFunction {

	private final ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancerFactory;

	private final RetryableLoadBalancerExchangeFilterFunction idempotent;

	private final RetryableLoadBalancerExchangeFilterFunction unsent;

	MethodAwareRetryFilter(ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancerFactory,
			LoadBalancerRetryPolicy.Factory retryPolicies, List<LoadBalancerClientRequestTransformer> transformers) {
		this.loadBalancerFactory = loadBalancerFactory;
		this.idempotent = new SameInstanceRetries(retryPolicies, loadBalancerFactory, transformers);
		this.unsent = new SameInstanceRetries((serviceId) -> new ConnectFailuresOnly(retryPolicies.apply(serviceId)),
				loadBalancerFactory, transformers);
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		return isRetriedWhatever(request) ? this.idempotent.filter(request, next) : this.unsent.filter(request, next);
	}

	private boolean isRetriedWhatever(ClientRequest request) {
		if (HttpMethod.GET.equals(request.method())) {
			return true;
		}
		String serviceId = request.url().getHost();
		LoadBalancerProperties properties = (serviceId != null) ? this.loadBalancerFactory.getProperties(serviceId)
				: null;
		return properties != null && properties.getRetry().isRetryOnAllOperations();
	}

	static LoadBalancerRetryPolicy.Factory springCloudPolicies(
			ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancerFactory) {
		return (serviceId) -> new RetryableExchangeFilterFunctionLoadBalancerRetryPolicy(
				loadBalancerFactory.getProperties(serviceId));
	}

	/**
	 * Spring Cloud's filter, which calls {@link #choose} once per instance and subscribes to what it returns
	 * again for each retry on that instance: the first subscription asks the balancer, the later ones get
	 * the instance it chose.
	 */
	static final class SameInstanceRetries extends RetryableLoadBalancerExchangeFilterFunction {

		SameInstanceRetries(LoadBalancerRetryPolicy.Factory retryPolicies,
				ReactiveLoadBalancer.Factory<ServiceInstance> loadBalancerFactory,
				List<LoadBalancerClientRequestTransformer> transformers) {
			super(retryPolicies, loadBalancerFactory, transformers);
		}

		@Override
		protected Mono<Response<ServiceInstance>> choose(String serviceId, Request<RetryableRequestContext> request) {
			Mono<Response<ServiceInstance>> choice = super.choose(serviceId, request);
			AtomicBoolean chosen = new AtomicBoolean();
			return Mono.defer(() -> {
				ServiceInstance previous = request.getContext().getPreviousServiceInstance();
				if (chosen.getAndSet(true) && previous != null) {
					return Mono.just(new DefaultResponse(previous));
				}
				return choice;
			});
		}

	}

	/**
	 * Retries a call only after a failure to connect, never on its status.
	 */
	static final class ConnectFailuresOnly implements LoadBalancerRetryPolicy {

		private final LoadBalancerRetryPolicy delegate;

		ConnectFailuresOnly(LoadBalancerRetryPolicy delegate) {
			this.delegate = delegate;
		}

		@Override
		public boolean canRetrySameServiceInstance(LoadBalancerRetryContext context) {
			return this.delegate.canRetrySameServiceInstance(context);
		}

		@Override
		public boolean canRetryNextServiceInstance(LoadBalancerRetryContext context) {
			return this.delegate.canRetryNextServiceInstance(context);
		}

		@Override
		public boolean retryableStatusCode(int statusCode) {
			return false;
		}

		@Override
		public boolean canRetryOnMethod(HttpMethod method) {
			return false;
		}

		@Override
		public boolean retryableException(Throwable throwable) {
			// Spring Cloud asks for the exception and for its cause; Netty's connect timeout is a ConnectException
			return throwable instanceof ConnectException;
		}

	}

}
