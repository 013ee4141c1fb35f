package io.github.microspring.loadbalancer;

import java.util.List;
import java.util.Locale;

import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.DefaultRequestContext;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.RetryableRequestContext;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.http.HttpHeaders;

/**
 * Load balancer for one service: takes the instances from its {@link InstanceSource} (the etcd catalog, read
 * from memory on every choice, or Spring Cloud's supplier chain), reads the version pin and Spring Cloud's
 * hint from the request and leaves the choice to {@link InstanceSelector} (round robin, ejection, version
 * weights, zone, weight, hint).
 */
public class MicroReactorLoadBalancer implements ReactorServiceInstanceLoadBalancer {

	static final String DEFAULT_HINT_HEADER = "X-SC-LB-Hint";

	private static final String NO_HINT = "default";

	private final String serviceId;

	private final InstanceSource source;

	private final InstanceSelector selector;

	private final String versionHeader;

	private final String hintHeader;

	private final ChoiceListener[] listeners;

	MicroReactorLoadBalancer(String serviceId, DiscoveryClient discoveryClient, InstanceSelector selector,
			String versionHeader, List<ChoiceListener> listeners) {
		this(serviceId, discoveryClient, selector, versionHeader, DEFAULT_HINT_HEADER, listeners);
	}

	MicroReactorLoadBalancer(String serviceId, DiscoveryClient discoveryClient, InstanceSelector selector,
			String versionHeader, String hintHeader, List<ChoiceListener> listeners) {
		this(serviceId, InstanceSource.of(serviceId, discoveryClient::getInstances, null), selector, versionHeader,
				hintHeader, listeners);
	}

	MicroReactorLoadBalancer(String serviceId, InstanceSource source, InstanceSelector selector, String versionHeader,
			String hintHeader, List<ChoiceListener> listeners) {
		this.serviceId = serviceId;
		this.source = source;
		this.selector = selector;
		// HttpHeaders lowercases the name of every lookup; a name that is lowercase already is not copied
		this.versionHeader = versionHeader.toLowerCase(Locale.ROOT);
		this.hintHeader = hintHeader.toLowerCase(Locale.ROOT);
		this.listeners = listeners.toArray(new ChoiceListener[0]);
	}

	@Override
	@SuppressWarnings("rawtypes")
	public Mono<Response<ServiceInstance>> choose(Request request) {
		if (this.source.isAtHand()) {
			// a supplier, which Reactor takes the value of without a subscription, as callers flatMap it; a
			// service that left the catalog in between has no instance for this one call
			return Mono.fromSupplier(() -> {
				List<ServiceInstance> atHand = this.source.instancesAtHand();
				return chooseNow(request, (atHand != null) ? atHand : List.of());
			});
		}
		return Mono.defer(() -> this.source.instances(request))
			.map((instances) -> chooseNow(request, instances))
			.defaultIfEmpty(new EmptyResponse());
	}

	@SuppressWarnings("rawtypes")
	private Response<ServiceInstance> chooseNow(Request request, List<ServiceInstance> instances) {
		Object context = (request != null) ? request.getContext() : null;
		ServiceInstance previous = (context instanceof RetryableRequestContext retry)
				? retry.getPreviousServiceInstance() : null;
		HttpHeaders headers = headers(context);
		String pinnedVersion = (headers != null) ? headers.getFirst(this.versionHeader) : null;
		ServiceInstance chosen = this.selector.choose(this.serviceId, instances, pinnedVersion,
				hint(context, headers), previous);
		if (chosen == null) {
			return new EmptyResponse();
		}
		this.source.chosen(chosen);
		for (ChoiceListener listener : this.listeners) {
			listener.chosen(this.serviceId, chosen);
		}
		return new DefaultResponse(chosen);
	}

	private static HttpHeaders headers(Object context) {
		if (context instanceof RequestDataContext dataContext) {
			RequestData data = dataContext.getClientRequest();
			HttpHeaders headers = (data != null) ? data.getHeaders() : null;
			return (headers != null && !headers.isEmpty()) ? headers : null;
		}
		return null;
	}

	/**
	 * The hint header of the request, else the hint Spring Cloud configured for the service
	 * ({@code spring.cloud.loadbalancer.hint.<service>}), as Spring Cloud's hint-based supplier reads them.
	 */
	private String hint(Object context, HttpHeaders headers) {
		String hint = (headers != null) ? headers.getFirst(this.hintHeader) : null;
		if (hint == null && context instanceof DefaultRequestContext requestContext) {
			hint = requestContext.getHint();
		}
		return (hint == null || hint.isEmpty() || NO_HINT.equals(hint)) ? null : hint;
	}

	String getServiceId() {
		return this.serviceId;
	}

}
