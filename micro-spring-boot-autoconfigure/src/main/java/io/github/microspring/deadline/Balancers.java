package io.github.microspring.deadline;

import java.util.List;
import java.util.stream.Stream;

import org.springframework.util.ClassUtils;

/**
 * Recognizes Spring Cloud's load-balancer interceptors and filters in a client's list, when Spring Cloud is
 * there: only load-balanced calls get the default per-try timeout.
 */
final class Balancers {

	private static final List<Class<?>> TYPES = resolve(
			"org.springframework.cloud.client.loadbalancer.BlockingLoadBalancerInterceptor",
			"org.springframework.cloud.client.loadbalancer.DeferringLoadBalancerInterceptor",
			"org.springframework.cloud.client.loadbalancer.reactive.LoadBalancedExchangeFilterFunction",
			"org.springframework.cloud.client.loadbalancer.reactive.DeferringLoadBalancerExchangeFilterFunction");

	private Balancers() {
	}

	static boolean anyIn(List<?> interceptorsOrFilters) {
		for (Object element : interceptorsOrFilters) {
			for (Class<?> type : TYPES) {
				if (type.isInstance(element)) {
					return true;
				}
			}
		}
		return false;
	}

	private static List<Class<?>> resolve(String... names) {
		ClassLoader loader = Balancers.class.getClassLoader();
		return Stream.of(names)
			.filter((name) -> ClassUtils.isPresent(name, loader))
			.<Class<?>>map((name) -> ClassUtils.resolveClassName(name, loader))
			.toList();
	}

}
