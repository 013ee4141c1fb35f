package io.github.microspring.breaker;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A breaker on an HTTP interface client of a {@code @LoadBalanced} RestClient, calling a real HTTP server
 * registered in real etcd, which is stopped and started again.
 */
@ExtendWith(EtcdExtension.class)
class BreakerClientIntegrationTests {

	@Test
	void breakerOpensWhileTheDownstreamIsDownServesFallbacksAndClosesAfterItRecovers(EtcdServer etcd)
			throws Exception {
		int port = FreePorts.take();
		HttpServer downstream = serve(port);
		try (Client client = Client.builder().endpoints(etcd.endpoint()).build();
				ConfigurableApplicationContext application = new SpringApplicationBuilder(CallingApplication.class)
					.properties("spring.main.banner-mode=off", "spring.main.web-application-type=none",
							"spring.application.name=breaker-client", "micro.registry.enabled=false",
							"micro.etcd.endpoints=" + etcd.endpoint(),
							"micro.breaker.instances.comments-client.request-volume-threshold=3",
							// the first call starts the client's machinery: room for a loaded machine
							"micro.breaker.instances.comments-client.timeout=10s",
							"micro.breaker.instances.comments-client.sleep-window=2s")
					.run()) {
			register(client, "comments-service", port);
			DiscoveryClient discovery = application.getBean(DiscoveryClient.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> !discovery.getInstances("comments-service").isEmpty());
			CommentsClient comments = application.getBean(CommentsClient.class);
			io.github.resilience4j.circuitbreaker.CircuitBreaker breaker = application
				.getBean(CircuitBreakerRegistry.class)
				.circuitBreaker("comments-client");
			assertThat(comments.comments()).isEqualTo("fresh");

			downstream.stop(0);
			for (int i = 0; i < 3; i++) {
				assertThat(comments.comments()).isEqualTo("cached");
			}
			assertThat(breaker.getState()).isEqualTo(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN);
			long failedBefore = breaker.getMetrics().getNumberOfFailedCalls();
			assertThat(comments.comments()).isEqualTo("cached");
			assertThat(breaker.getMetrics().getNumberOfNotPermittedCalls()).isPositive();
			assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(failedBefore);

			downstream = serve(port);
			// after the sleep window a trial call reaches the recovered server and closes the breaker
			await().atMost(Duration.ofSeconds(30)).until(() -> comments.comments().equals("fresh"));
			assertThat(breaker.getState())
				.isEqualTo(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED);
		}
		finally {
			downstream.stop(0);
		}
	}

	private static HttpServer serve(int port) throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
		byte[] body = "fresh".getBytes(StandardCharsets.UTF_8);
		server.createContext("/", (exchange) -> {
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		server.start();
		return server;
	}

	private static void register(Client client, String service, int port) throws Exception {
		long lease = client.getLeaseClient().grant(60).get(5, TimeUnit.SECONDS).getID();
		String json = "{\"name\":\"" + service + "\",\"version\":\"1.0.0\",\"metadata\":{},\"endpoints\":[],"
				+ "\"nodes\":[{\"id\":\"" + service + "-1\",\"address\":\"127.0.0.1:" + port
				+ "\",\"metadata\":{\"protocol\":\"http\"}}]}";
		client.getKVClient()
			.put(ByteSequence.from("/micro/registry/" + service + "/" + service + "-1", StandardCharsets.UTF_8),
					ByteSequence.from(json, StandardCharsets.UTF_8), PutOption.builder().withLeaseId(lease).build())
			.get(5, TimeUnit.SECONDS);
	}

	public interface CommentsClient {

		@GetExchange("/comments")
		@CircuitBreaker(name = "comments-client", fallbackMethod = "cached")
		String comments();

		default String cached(Throwable ex) {
			return "cached";
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class CallingApplication {

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClientBuilder() {
			return RestClient.builder();
		}

		@Bean
		CommentsClient commentsClient(RestClient.Builder loadBalancedRestClientBuilder) {
			RestClient rest = loadBalancedRestClientBuilder.baseUrl("http://comments-service").build();
			return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(rest))
				.build()
				.createClient(CommentsClient.class);
		}

	}

}
