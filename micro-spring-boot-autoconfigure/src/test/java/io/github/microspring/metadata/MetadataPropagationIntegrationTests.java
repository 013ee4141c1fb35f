package io.github.microspring.metadata;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import io.github.microspring.etcd.RunningApplication;
import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;
import io.github.microspring.test.kafka.KafkaExtension;
import io.github.microspring.test.kafka.KafkaServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.client.RestTemplateBuilder;
import org.springframework.boot.web.embedded.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.reactive.filter.OrderedWebFilter;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.util.ClassUtils;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three hops through the load balancer, all registered in one real etcd: edge A (servlet) calls B (WebFlux)
 * with each kind of client, B calls C (servlet), C sends a Kafka record that a listener in A consumes. The
 * metadata set at A's edge is read at C, on Netty threads, in {@code onStatus}, in {@code @Async} methods and
 * on Boot's executor, and comes back in the record; secrets never travel.
 */
@ExtendWith({ EtcdExtension.class, KafkaExtension.class })
class MetadataPropagationIntegrationTests {

	private static final String TOPIC = "metadata-hops";

	private static final Map<String, String> SEEN_BY_LISTENER = new java.util.concurrent.ConcurrentHashMap<>();

	private static final ObjectMapper json = new ObjectMapper();

	private static final HttpClient http = HttpClient.newHttpClient();

	private static ConfigurableApplicationContext c;

	private static ConfigurableApplicationContext b;

	private static ConfigurableApplicationContext a;

	private static ConfigurableApplicationContext edge;

	@BeforeAll
	static void startThreeHops(EtcdServer etcd, KafkaServer kafka) {
		kafka.createTopic(TOPIC, 1);
		c = start(HopC.class, WebApplicationType.SERVLET, "hop-c", etcd, kafka);
		// B sees no Micrometer Tracing: the metadata travels by context propagation alone
		b = start(HopB.class, WebApplicationType.REACTIVE, "hop-b", etcd, kafka);
		a = start(HopA.class, WebApplicationType.SERVLET, "hop-a", etcd, kafka,
				"hop-b.url=http://127.0.0.1:" + RunningApplication.port(b));
		edge = start(BootBuildersEdge.class, WebApplicationType.SERVLET, "hop-edge", etcd, kafka,
				"hop-b.url=http://127.0.0.1:" + RunningApplication.port(b));
		DiscoveryClient discovery = a.getBean(DiscoveryClient.class);
		await().atMost(Duration.ofSeconds(20))
			.until(() -> !discovery.getInstances("hop-b").isEmpty() && !discovery.getInstances("hop-c").isEmpty()
					&& !b.getBean(DiscoveryClient.class).getInstances("hop-c").isEmpty());
	}

	@AfterAll
	static void stopHops() {
		for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] { edge, a, b, c }) {
			if (context != null) {
				context.close();
			}
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "lb-rest-client", "lb-rest-template", "lb-web-client", "http-interface",
			"boot-rest-template" })
	void metadataSetAtTheEdgeIsReadAtTheThirdHopAndComesBackInAKafkaRecord(String via) throws Exception {
		String user = "alice-" + via;
		Map<String, Object> answer = call(a, "/chain?via=" + via, user);

		assertThat(answer).containsEntry("c.user", user)
			.containsEntry("c.tenant", "acme")
			.containsEntry("b.netty", user)
			.containsEntry("b.onStatus", user)
			.containsEntry("a.async", user)
			.containsEntry("a.executor", user);
		assertThat((String) answer.get("b.thread")).as("B went on on a Netty thread").contains("reactor-http");
		assertThat(ClassUtils.isPresent("io.micrometer.tracing.Tracer", b.getClassLoader())).isFalse();
		await().atMost(Duration.ofSeconds(30)).until(() -> user.equals(SEEN_BY_LISTENER.get(user)));
	}

	@ParameterizedTest
	@ValueSource(strings = { "boot-web-client", "boot-rest-client" })
	void bootsOwnBuildersCarryMetadata(String via) throws Exception {
		String user = "bob-" + via;
		Map<String, Object> answer = call(edge, "/chain?via=" + via, user);
		assertThat(answer).containsEntry("c.user", user).containsEntry("edge.hop", user);
	}

	@Test
	void authorizationAndCookieAreNeverForwardedByDefault() throws Exception {
		Map<String, Object> answer = call(a, "/chain?via=lb-rest-client", "carol");
		assertThat(answer).containsEntry("c.user", "carol")
			.containsEntry("c.authorization", null)
			.containsEntry("c.cookie", null);
	}

	/**
	 * The WebFlux filter reads Reactor Netty's own headers only for the request as the server made it: one that
	 * an earlier filter changed is read with its changes.
	 */
	@Test
	void aReactiveRequestChangedByAnEarlierFilterIsReadWithItsChanges() throws Exception {
		HttpResponse<String> response = http.send(HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + RunningApplication.port(b) + "/relay"))
			.header("X-Set-User", "dave")
			.timeout(Duration.ofSeconds(20))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		Map<String, Object> answer = json.readValue(response.body(), new TypeReference<Map<String, Object>>() {
		});
		assertThat(answer).containsEntry("c.user", "dave").containsEntry("b.netty", "dave");
	}

	@ParameterizedTest
	@ValueSource(strings = { "servlet", "reactive" })
	void overLimitMetadataIsRejectedWith431AndProblemDetails(String stack) throws Exception {
		ConfigurableApplicationContext target = stack.equals("servlet") ? a : b;
		String path = stack.equals("servlet") ? "/chain?via=lb-rest-client" : "/relay";
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + RunningApplication.port(target) + path));
		for (int i = 0; i < 5; i++) {
			request.header("X-Meta-Entry-" + i, "v");
		}
		HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(431);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(json.readTree(response.body()).get("status").asInt()).isEqualTo(431);
		assertThat(json.readTree(response.body()).get("detail").asText()).contains("4 entries");
	}

	private static Map<String, Object> call(ConfigurableApplicationContext context, String path, String user)
			throws Exception {
		HttpResponse<String> response = http.send(HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + RunningApplication.port(context) + path))
			.header("X-User", user)
			.header("X-Meta-Tenant", "acme")
			.header("Authorization", "Bearer secret")
			.header("Cookie", "session=secret")
			.timeout(Duration.ofSeconds(20))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return json.readValue(response.body(), new TypeReference<Map<String, Object>>() {
		});
	}

	private static ConfigurableApplicationContext start(Class<?> application, WebApplicationType type, String name,
			EtcdServer etcd, KafkaServer kafka, String... extra) {
		SpringApplicationBuilder builder = new SpringApplicationBuilder(application);
		if (application == HopB.class) {
			builder.resourceLoader(new DefaultResourceLoader(new FilteredClassLoader("io.micrometer.tracing")));
		}
		return builder.web(type)
			.properties("spring.application.name=" + name, "server.port=0", "server.address=127.0.0.1",
					"spring.main.banner-mode=off", "micro.etcd.endpoints=" + etcd.endpoint(),
					"micro.registry.lease-ttl=5s", "micro.registry.register-interval=1s",
					"micro.metadata.headers=X-User,X-Meta-*", "micro.metadata.max-entries=4",
					"spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
					"spring.kafka.consumer.auto-offset-reset=earliest", "spring.kafka.consumer.group-id=" + name)
			.properties(extra)
			.run();
	}

	private static final ParameterizedTypeReference<Map<String, Object>> MAP = new ParameterizedTypeReference<>() {
	};

	/**
	 * The third hop: tells what arrived, sends a Kafka record.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(HopC.Endpoints.class)
	static class HopC {

		@RestController
		static class Endpoints {

			private final KafkaTemplate<String, String> kafka;

			Endpoints(KafkaTemplate<String, String> kafka) {
				this.kafka = kafka;
			}

			@GetMapping("/seen")
			Map<String, Object> seen(@RequestHeader(name = "Authorization", required = false) String authorization,
					@RequestHeader(name = "Cookie", required = false) String cookie) throws Exception {
				Metadata metadata = Metadata.current();
				this.kafka.send(TOPIC, metadata.get("X-User")).get(10, TimeUnit.SECONDS);
				Map<String, Object> seen = new HashMap<>();
				seen.put("c.user", metadata.get("X-User"));
				seen.put("c.tenant", metadata.get("X-Meta-Tenant"));
				seen.put("c.authorization", authorization);
				seen.put("c.cookie", cookie);
				return seen;
			}

			@GetMapping("/missing")
			ResponseEntity<String> missing() {
				return ResponseEntity.notFound().build();
			}

		}

	}

	/**
	 * The middle hop, reactive: calls C twice, reading the metadata on Netty threads and in onStatus.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(HopB.Endpoints.class)
	static class HopB {

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder();
		}

		/**
		 * Reactor Netty, as most WebFlux applications run (with Tomcat on the test classpath Boot would pick it):
		 * the starter reads request headers from Netty's own store there.
		 */
		@Bean
		NettyReactiveWebServerFactory nettyServer() {
			return new NettyReactiveWebServerFactory();
		}

		/**
		 * Runs before the starter's filter and decorates the request with {@code X-User} from
		 * {@code X-Set-User}, which the connection's own headers do not hold, as a gateway's or an application's
		 * own filter may.
		 */
		@Bean
		OrderedWebFilter setUser() {
			return new OrderedWebFilter() {

				@Override
				public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
					String user = exchange.getRequest().getHeaders().getFirst("X-Set-User");
					if (user == null) {
						return chain.filter(exchange);
					}
					HttpHeaders changed = new HttpHeaders();
					changed.addAll(exchange.getRequest().getHeaders());
					changed.set("X-User", user);
					ServerHttpRequest decorated = new ServerHttpRequestDecorator(exchange.getRequest()) {

						@Override
						public HttpHeaders getHeaders() {
							return changed;
						}

					};
					return chain.filter(exchange.mutate().request(decorated).build());
				}

				@Override
				public int getOrder() {
					return Ordered.HIGHEST_PRECEDENCE;
				}

			};
		}

		@RestController
		static class Endpoints {

			private final WebClient client;

			Endpoints(WebClient.Builder builder) {
				this.client = builder.build();
			}

			@GetMapping("/relay")
			Mono<Map<String, Object>> relay() {
				return Mono.just("go")
					.flatMap((go) -> this.client.get().uri("http://hop-c/seen").retrieve().bodyToMono(MAP))
					.flatMap((seen) -> this.client.get()
						.uri("http://hop-c/missing")
						.retrieve()
						.onStatus(HttpStatusCode::is4xxClientError,
								(response) -> Mono.just(new IllegalStateException(Metadata.current().get("X-User"))))
						.bodyToMono(String.class)
						.onErrorResume(IllegalStateException.class, (ex) -> Mono.just(String.valueOf(ex.getMessage())))
						.map((onStatus) -> {
							Map<String, Object> relayed = new HashMap<>(seen);
							relayed.put("b.onStatus", onStatus);
							relayed.put("b.netty", Metadata.current().get("X-User"));
							relayed.put("b.thread", Thread.currentThread().getName());
							return relayed;
						}));
			}

		}

	}

	interface HopBClient {

		@GetExchange("/relay")
		Map<String, Object> relay();

	}

	/**
	 * The edge: the application's own @LoadBalanced builders, as Spring Cloud's docs show, an HTTP interface
	 * client, Boot's RestTemplateBuilder; {@code @Async} and Boot's executor; a Kafka listener.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableAsync
	@Import({ HopA.Endpoints.class, HopA.AsyncUser.class, HopA.Listener.class })
	static class HopA {

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClientBuilder() {
			return RestClient.builder();
		}

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder();
		}

		@Bean
		@LoadBalanced
		RestTemplate loadBalancedRestTemplate() {
			return new RestTemplate();
		}

		static class AsyncUser {

			@Async
			public CompletableFuture<String> user() {
				return CompletableFuture.completedFuture(Metadata.current().get("X-User"));
			}

		}

		static class Listener {

			@KafkaListener(topics = TOPIC)
			void onRecord(ConsumerRecord<String, String> record) {
				SEEN_BY_LISTENER.put(record.value(), String.valueOf(Metadata.current().get("X-User")));
			}

		}

		@RestController
		static class Endpoints {

			private final RestClient restClient;

			private final RestTemplate restTemplate;

			private final WebClient webClient;

			private final HopBClient httpInterface;

			private final RestTemplate bootRestTemplate;

			private final AsyncUser async;

			private final AsyncTaskExecutor executor;

			Endpoints(RestClient.Builder restClient, RestTemplate restTemplate, WebClient.Builder webClient,
					RestTemplateBuilder bootRestTemplate, AsyncUser async, AsyncTaskExecutor applicationTaskExecutor,
					org.springframework.core.env.Environment environment) {
				this.restClient = restClient.build();
				this.restTemplate = restTemplate;
				this.webClient = webClient.build();
				this.httpInterface = HttpServiceProxyFactory
					.builderFor(RestClientAdapter.create(restClient.baseUrl("http://hop-b").build()))
					.build()
					.createClient(HopBClient.class);
				this.bootRestTemplate = bootRestTemplate.rootUri(environment.getProperty("hop-b.url")).build();
				this.async = async;
				this.executor = applicationTaskExecutor;
			}

			@GetMapping("/chain")
			Map<String, Object> chain(@RequestParam String via) {
				Map<String, Object> relayed = new HashMap<>(switch (via) {
					case "lb-rest-client" -> this.restClient.get().uri("http://hop-b/relay").retrieve().body(MAP);
					case "lb-rest-template" -> this.restTemplate
						.exchange("http://hop-b/relay", org.springframework.http.HttpMethod.GET, null, MAP)
						.getBody();
					case "lb-web-client" -> this.webClient.get().uri("http://hop-b/relay").retrieve().bodyToMono(MAP)
						.block(Duration.ofSeconds(15));
					case "http-interface" -> this.httpInterface.relay();
					case "boot-rest-template" -> this.bootRestTemplate
						.exchange("/relay", org.springframework.http.HttpMethod.GET, null, MAP)
						.getBody();
					default -> throw new IllegalArgumentException(via);
				});
				relayed.put("a.async", this.async.user().join());
				relayed.put("a.executor",
						CompletableFuture.supplyAsync(() -> Metadata.current().get("X-User"), this.executor).join());
				return relayed;
			}

		}

	}

	/**
	 * An edge with Boot's own WebClient.Builder and RestClient.Builder (no builder of its own), calling B by
	 * its address; the WebClient call is subscribed on a bounded-elastic thread.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(BootBuildersEdge.Endpoints.class)
	static class BootBuildersEdge {

		@RestController
		static class Endpoints {

			private final WebClient webClient;

			private final RestClient restClient;

			Endpoints(WebClient.Builder webClient, RestClient.Builder restClient,
					org.springframework.core.env.Environment environment) {
				String url = environment.getProperty("hop-b.url");
				this.webClient = webClient.baseUrl(url).build();
				this.restClient = restClient.baseUrl(url).build();
			}

			@GetMapping("/chain")
			Map<String, Object> chain(@RequestParam String via) {
				Map<String, Object> relayed = new HashMap<>(via.equals("boot-web-client")
						? this.webClient.get().uri("/relay").retrieve().bodyToMono(MAP)
							.subscribeOn(Schedulers.boundedElastic())
							.map((answer) -> {
								Map<String, Object> result = new HashMap<>(answer);
								result.put("edge.hop", Metadata.current().get("X-User"));
								return result;
							})
							.block(Duration.ofSeconds(15))
						: this.restClient.get().uri("/relay").retrieve().body(MAP));
				relayed.putIfAbsent("edge.hop", Metadata.current().get("X-User"));
				return relayed;
			}

		}

	}

}
