package io.github.microspring.sample.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import io.github.microspring.loadbalancer.MicroReactorLoadBalancer;
import io.github.microspring.sample.comment.CommentServiceApplication;
import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.redis.RedisExtension;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The two samples together on real etcd and Redis: two comment-service instances register, the gateway
 * discovers them and routes to both by name.
 */
class GatewayEndToEndIntegrationTests {

	private static final ObjectMapper json = new ObjectMapper();

	private static final HttpClient http = HttpClient.newHttpClient();

	static final String[] GATEWAY_AUTO_CONFIGURATIONS = {
			"org.springframework.cloud.gateway.config.GatewayClassPathWarningAutoConfiguration",
			"org.springframework.cloud.gateway.config.GatewayAutoConfiguration",
			"org.springframework.cloud.gateway.config.GatewayResilience4JCircuitBreakerAutoConfiguration",
			"org.springframework.cloud.gateway.config.GatewayNoLoadBalancerClientAutoConfiguration",
			"org.springframework.cloud.gateway.config.GatewayFunctionAutoConfiguration",
			"org.springframework.cloud.gateway.config.GatewayMetricsAutoConfiguration",
			"org.springframework.cloud.gateway.config.GatewayRedisAutoConfiguration",
			"org.springframework.cloud.gateway.config.GatewayStreamAutoConfiguration",
			"org.springframework.cloud.gateway.config.SimpleUrlHandlerMappingGlobalCorsAutoConfiguration",
			"org.springframework.cloud.gateway.config.GatewayReactiveLoadBalancerClientAutoConfiguration",
			"org.springframework.cloud.gateway.config.LocalResponseCacheAutoConfiguration",
			"org.springframework.cloud.gateway.discovery.GatewayDiscoveryClientAutoConfiguration" };

	private static ConfigurableApplicationContext first;

	private static ConfigurableApplicationContext second;

	private static ConfigurableApplicationContext gateway;

	@BeforeAll
	static void start() {
		String etcd = EtcdExtension.shared().endpoint();
		int redis = RedisExtension.shared().port();
		first = commentService(etcd, redis, "1.0.0");
		second = commentService(etcd, redis, "1.1.0");
		gateway = new SpringApplicationBuilder(GatewayApplication.class).web(WebApplicationType.REACTIVE)
			.run("--server.port=0", "--micro.etcd.endpoints=" + etcd, "--spring.main.banner-mode=off",
					"--spring.data.redis.port=" + redis);
	}

	@AfterAll
	static void stop() {
		for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] { gateway, second, first }) {
			if (context != null) {
				context.close();
			}
		}
	}

	@Test
	void gatewayDiscoversBothInstancesAndRoutesToEach() throws Exception {
		await().atMost(Duration.ofSeconds(10))
			.until(() -> gateway.getBean(DiscoveryClient.class).getInstances("comment-service").size() == 2);

		HttpResponse<String> created = http.send(HttpRequest.newBuilder(uri(gateway, "/comments/e2e"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"author\":\"ada\",\"text\":\"first!\"}"))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(created.statusCode()).isEqualTo(201);

		Set<String> servedBy = new HashSet<>();
		for (int i = 0; i < 6; i++) {
			JsonNode page = get(gateway, "/articles/e2e");
			assertThat(page.at("/comments/comments/0/text").asText()).isEqualTo("first!");
			servedBy.add(page.at("/comments/instance").asText());
		}
		assertThat(servedBy).hasSize(2);

		// the Gateway's lb:// route (/comments/**) goes through our balancer
		LoadBalancerClientFactory factory = gateway.getBean(LoadBalancerClientFactory.class);
		assertThat(factory.getInstance("comment-service")).isInstanceOf(MicroReactorLoadBalancer.class);
		MeterRegistry meters = gateway.getBean(MeterRegistry.class);
		double before = routedChoices(meters);
		Set<String> routedTo = new HashSet<>();
		for (int i = 0; i < 6; i++) {
			routedTo.add(get(gateway, "/comments/e2e").at("/instance").asText());
		}
		assertThat(routedTo).hasSize(2);
		assertThat(routedChoices(meters) - before).isEqualTo(6);

		JsonNode services = get(gateway, "/services");
		assertThat(services.get("comment-service")).hasSize(2);
		assertThat(services.get("gateway")).hasSize(1);
	}

	@Test
	void callersOutsideCannotPinAVersionThroughTheGateway() throws Exception {
		await().atMost(Duration.ofSeconds(10))
			.until(() -> gateway.getBean(DiscoveryClient.class).getInstances("comment-service").size() == 2);
		Set<String> routedTo = new HashSet<>();
		for (int i = 0; i < 6; i++) {
			HttpResponse<String> pinned = http.send(HttpRequest.newBuilder(uri(gateway, "/comments/pins"))
				.header("X-Micro-Version", "1.1.0")
				.header("X-SC-LB-Hint", "nowhere")
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
			routedTo.add(json.readTree(pinned.body()).at("/instance").asText());
		}
		// the pin would send every call to the 1.1.0 instance
		assertThat(routedTo).hasSize(2);
	}

	@Test
	void gatewaysGlobalFilterRemovesTheVersionAndHintHeaders() {
		GlobalFilter filter = gateway.getBean("microLoadBalancerInboundHeaderGlobalFilter", GlobalFilter.class);
		assertThat(((Ordered) filter).getOrder())
			.isLessThan(ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER);
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/comments/x")
			.header("X-Micro-Version", "1.1.0")
			.header("X-SC-LB-Hint", "blue")
			.header("Accept", "application/json"));
		AtomicReference<ServerWebExchange> routed = new AtomicReference<>();
		filter.filter(exchange, (next) -> {
			routed.set(next);
			return Mono.empty();
		}).block(Duration.ofSeconds(5));
		assertThat(routed.get().getRequest().getHeaders().keySet()).containsExactly("Accept");
	}

	private static double routedChoices(MeterRegistry meters) {
		return meters.find("micro.loadbalancer.choices")
			.tag("service", "comment-service")
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
	}

	private static ConfigurableApplicationContext commentService(String etcd, int redis, String version) {
		return new SpringApplicationBuilder(CommentServiceApplication.class).web(WebApplicationType.SERVLET)
			// arguments, so they win over the gateway's application.yml, which is on this classpath too
			.run("--spring.application.name=comment-service", "--server.port=0", "--micro.etcd.endpoints=" + etcd,
					"--spring.data.redis.port=" + redis, "--spring.main.banner-mode=off",
					"--micro.registry.version=" + version, "--micro.loadbalancer.strip-inbound-headers=false",
					// the gateway's jars share this test classpath; comment-service runs without them
					"--spring.autoconfigure.exclude=" + String.join(",", GATEWAY_AUTO_CONFIGURATIONS));
	}

	private static JsonNode get(ConfigurableApplicationContext context, String path) throws Exception {
		HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(context, path)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return json.readTree(response.body());
	}

	private static URI uri(ConfigurableApplicationContext context, String path) {
		return URI.create("http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort() + path);
	}

}
