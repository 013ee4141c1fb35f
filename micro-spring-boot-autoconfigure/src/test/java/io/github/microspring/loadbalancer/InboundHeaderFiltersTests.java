package io.github.microspring.loadbalancer;

import java.util.Collections;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Edge services strip the headers that steer the balancer from incoming requests; other services pass them on.
 */
class InboundHeaderFiltersTests {

	private static final AutoConfigurations CONFIGURATIONS = AutoConfigurations
		.of(MicroLoadBalancerAutoConfiguration.class, LoadBalancerAutoConfiguration.class);

	private final WebApplicationContextRunner servlet = new WebApplicationContextRunner()
		.withConfiguration(CONFIGURATIONS);

	private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
		.withConfiguration(CONFIGURATIONS);

	@Test
	void servletFilterHidesVersionAndHintHeadersWhenOn() {
		this.servlet
			.withPropertyValues("micro.loadbalancer.strip-inbound-headers=true",
					"micro.loadbalancer.version-header=X-Canary",
					"spring.cloud.loadbalancer.clients.comments.hint-header-name=X-Comments-Hint")
			.run((context) -> {
				MockHttpServletRequest request = new MockHttpServletRequest("GET", "/");
				request.addHeader("x-canary", "1.1.0");
				request.addHeader("X-SC-LB-Hint", "blue");
				request.addHeader("X-Comments-Hint", "green");
				request.addHeader("Accept", "text/plain");
				MockFilterChain chain = new MockFilterChain();
				context.getBean(InboundHeaderServletFilter.class)
					.doFilter(request, new MockHttpServletResponse(), chain);
				HttpServletRequest seen = (HttpServletRequest) chain.getRequest();
				assertThat(seen.getHeader("X-Canary")).isNull();
				assertThat(seen.getHeader("x-sc-lb-hint")).isNull();
				assertThat(Collections.list(seen.getHeaders("X-Comments-Hint"))).isEmpty();
				assertThat(Collections.list(seen.getHeaderNames())).containsExactly("Accept");
				assertThat(seen.getHeader("Accept")).isEqualTo("text/plain");
			});
	}

	@Test
	void servletRequestsKeepTheHeadersByDefault() {
		this.servlet.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(InboundHeaderServletFilter.class)
			.doesNotHaveBean(InboundHeaderWebFilter.class));
	}

	@Test
	void webFilterRemovesVersionAndHintHeadersWhenOn() {
		this.reactive.withPropertyValues("micro.loadbalancer.strip-inbound-headers=true").run((context) -> {
			// Spring Cloud Gateway is not on this classpath
			assertThat(context).doesNotHaveBean(InboundHeaderServletFilter.class)
				.doesNotHaveBean("microLoadBalancerInboundHeaderGlobalFilter");
			MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/")
				.header("X-Micro-Version", "1.1.0")
				.header("X-SC-LB-Hint", "blue")
				.header("Accept", "text/plain"));
			ServerWebExchange seen = filter(context.getBean(InboundHeaderWebFilter.class), exchange);
			assertThat(seen.getRequest().getHeaders().keySet()).containsExactly("Accept");
		});
	}

	@Test
	void webFilterLeavesOtherRequestsAsTheyAre() {
		this.reactive.withPropertyValues("micro.loadbalancer.strip-inbound-headers=true").run((context) -> {
			MockServerWebExchange exchange = MockServerWebExchange
				.from(MockServerHttpRequest.get("/").header("Accept", "text/plain"));
			assertThat(filter(context.getBean(InboundHeaderWebFilter.class), exchange)).isSameAs(exchange);
		});
	}

	@Test
	void reactiveRequestsKeepTheHeadersWhenOff() {
		this.reactive.withPropertyValues("micro.loadbalancer.strip-inbound-headers=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(InboundHeaderWebFilter.class));
	}

	private static ServerWebExchange filter(InboundHeaderWebFilter filter, ServerWebExchange exchange) {
		AtomicReference<ServerWebExchange> seen = new AtomicReference<>();
		filter.filter(exchange, (next) -> {
			seen.set(next);
			return Mono.empty();
		}).block();
		return seen.get();
	}

}
