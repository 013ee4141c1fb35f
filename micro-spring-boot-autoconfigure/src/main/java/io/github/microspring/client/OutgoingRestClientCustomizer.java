package io.github.microspring.client;

import org.springframework.web.client.RestClient;

/**
 * Customizes every {@link RestClient.Builder} the application builds: Boot's auto-configured one and the builder
 * beans the application declares itself ({@code @LoadBalanced RestClient.builder()}), so HTTP interface clients
 * built on them are customized too. Unlike Boot's {@code RestClientCustomizer}, it reaches builders Boot did not
 * create.
 * <p>
 * It runs after the builder bean is initialized, when Spring Cloud's load-balancer interceptor is already in the
 * list: an interceptor appended after it runs once per try. It can run more than once for one builder (a bean
 * built from an already customized builder), so it must be idempotent.
 */
@FunctionalInterface
public interface OutgoingRestClientCustomizer {

	void customize(RestClient.Builder builder);

}
