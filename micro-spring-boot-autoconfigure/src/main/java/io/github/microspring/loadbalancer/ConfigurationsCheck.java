package io.github.microspring.loadbalancer;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Fails startup on a Spring Cloud LoadBalancer named configuration ({@code spring.cloud.loadbalancer.configurations},
 * globally or per service) that does not compose with our balancer, instead of letting it behave differently
 * from what it says. The others (health-check, zone-preference, request-based-sticky-session,
 * same-instance-preference, subset) shape the instance list our balancer chooses from.
 */
class ConfigurationsCheck implements InitializingBean {

	static final String PREFIX = "spring.cloud.loadbalancer";

	private static final String WEIGHTED = "weighted";

	private final Environment environment;

	ConfigurationsCheck(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void afterPropertiesSet() {
		Binder binder = Binder.get(this.environment);
		Map<String, String> configured = new LinkedHashMap<>();
		binder.bind(PREFIX + ".configurations", String.class)
			.ifBound((names) -> configured.put(PREFIX + ".configurations", names));
		binder.bind(PREFIX + ".clients", Bindable.mapOf(String.class, Client.class))
			.ifBound((clients) -> clients.forEach((service, client) -> {
				if (client != null && client.configurations() != null) {
					configured.put(PREFIX + ".clients." + service + ".configurations", client.configurations());
				}
			}));
		configured.forEach((property, names) -> {
			if (WEIGHTED.equals(names.trim())) {
				throw new IllegalStateException(property + "=" + names
						+ " does not compose with micro's load balancer, which already spreads calls by the \"weight\""
						+ " metadata of instances: Spring Cloud's weighted supplier would apply the weights a second"
						+ " time. Remove the setting (weights keep working), or set micro.loadbalancer.enabled=false"
						+ " to use Spring Cloud's balancer.");
			}
		});
	}

	record Client(String configurations) {
	}

}
