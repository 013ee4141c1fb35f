package io.github.microspring.client;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * Customizes every {@link WebClient.Builder} the application builds: Boot's auto-configured one and the builder
 * beans the application declares itself ({@code @LoadBalanced WebClient.builder()}), so HTTP interface clients
 * built on them are customized too. Unlike Boot's {@code WebClientCustomizer}, it reaches builders Boot did not
 * create.
 * <p>
 * It runs after the builder bean is initialized, when Spring Cloud's load-balancer filter is already in the
 * list: a filter appended after it runs once per try. It can run more than once for one builder (a cloned
 * builder, a bean built from an already customized builder), so it must be idempotent. Declare such beans only
 * where {@code spring-webflux} is on the classpath.
 */
@FunctionalInterface
public interface OutgoingWebClientCustomizer {

	void customize(WebClient.Builder builder);

}
