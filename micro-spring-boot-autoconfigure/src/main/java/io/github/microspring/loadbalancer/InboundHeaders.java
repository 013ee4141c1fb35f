package io.github.microspring.loadbalancer;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;

/**
 * Headers that steer the balancer (the version pin and Spring Cloud's hint headers), which the filters of an
 * edge service remove from requests entering it, so that a caller outside cannot pin the canary or choose
 * instances.
 */
final class InboundHeaders {

	/**
	 * Ahead of anything that reads headers to carry them further (metadata, deadline, routing).
	 */
	static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 1;

	private final Set<String> names;

	InboundHeaders(Set<String> names) {
		Set<String> sorted = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
		sorted.addAll(names);
		this.names = sorted;
	}

	/**
	 * The version header and every hint header Spring Cloud is configured with, globally
	 * ({@code spring.cloud.loadbalancer.hint-header-name}) or per service.
	 */
	static InboundHeaders of(String versionHeader, Environment environment) {
		Set<String> names = new HashSet<>();
		names.add(versionHeader);
		Binder binder = Binder.get(environment);
		names.add(binder.bind(ConfigurationsCheck.PREFIX + ".hint-header-name", String.class)
			.orElse(MicroReactorLoadBalancer.DEFAULT_HINT_HEADER));
		binder.bind(ConfigurationsCheck.PREFIX + ".clients", Bindable.mapOf(String.class, Client.class))
			.orElse(Map.of())
			.values()
			.forEach((client) -> {
				if (client != null && client.hintHeaderName() != null) {
					names.add(client.hintHeaderName());
				}
			});
		return new InboundHeaders(names);
	}

	Set<String> names() {
		return this.names;
	}

	boolean isStripped(String name) {
		return this.names.contains(name);
	}

	/**
	 * Whether the headers hold any of ours; the common request holds none and is left as it is.
	 */
	boolean anyIn(HttpHeaders headers) {
		for (String name : this.names) {
			if (headers.containsKey(name)) {
				return true;
			}
		}
		return false;
	}

	record Client(String hintHeaderName) {
	}

}
