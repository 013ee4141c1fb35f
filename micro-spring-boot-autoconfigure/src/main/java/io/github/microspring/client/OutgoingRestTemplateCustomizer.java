package io.github.microspring.client;

import org.springframework.web.client.RestTemplate;

/**
 * Customizes every {@link RestTemplate} the application builds: the ones built by Boot's
 * {@code RestTemplateBuilder} and the {@code RestTemplate} beans the application creates itself
 * ({@code @LoadBalanced new RestTemplate()}).
 * <p>
 * Spring Cloud adds its load-balancer interceptor to {@code @LoadBalanced} templates after every singleton is
 * created, so it ends up after what this customizer adds. It can run more than once for one template (a
 * template built by the customized {@code RestTemplateBuilder} that is also a bean), so it must be idempotent.
 */
@FunctionalInterface
public interface OutgoingRestTemplateCustomizer {

	void customize(RestTemplate restTemplate);

}
