package io.github.microspring.tracing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.tracing.Tracer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.microspring.etcd.RunningApplication;
import io.github.microspring.logging.TopicReader;
import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;
import io.github.microspring.test.kafka.KafkaExtension;
import io.github.microspring.test.kafka.KafkaServer;
import io.github.microspring.test.zipkin.ZipkinExtension;
import io.github.microspring.test.zipkin.ZipkinServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One request across two services registered in real etcd, A calling B by service name through a
 * {@code @LoadBalanced RestClient.builder()} bean it declares itself (as Spring Cloud's docs show), both
 * reporting to a real Zipkin; B ships its log to a real Kafka.
 */
@ExtendWith({ EtcdExtension.class, ZipkinExtension.class, KafkaExtension.class })
class TracingIntegrationTests {

	private static final ObjectMapper json = new ObjectMapper();

	private static final String TOPIC = "web_log_tracing_" + UUID.randomUUID().toString().substring(0, 8);

	private static final List<ConfigurableApplicationContext> applications = new ArrayList<>();

	private static ConfigurableApplicationContext caller;

	private static ConfigurableApplicationContext plainCaller;

	private static ConfigurableApplicationContext callee;

	@BeforeAll
	static void startServices(EtcdServer etcd, ZipkinServer zipkin, KafkaServer kafka) throws Exception {
		Path spool = Files.createTempDirectory("tracing-spool");
		caller = start(CallerApplication.class, "trace-a", etcd, zipkin);
		plainCaller = start(CallerApplication.class, "trace-plain", etcd, zipkin,
				"spring.autoconfigure.exclude=" + MicroTracingAutoConfiguration.class.getName());
		callee = start(CalleeApplication.class, "trace-b", etcd, zipkin, "micro.logging.kafka.enabled=true",
				"micro.logging.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
				"micro.logging.kafka.topic=" + TOPIC, "micro.logging.kafka.spool.directory=" + spool);
		for (ConfigurableApplicationContext application : List.of(caller, plainCaller)) {
			DiscoveryClient discovery = application.getBean(DiscoveryClient.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> !discovery.getInstances("trace-b").isEmpty());
		}
	}

	private static ConfigurableApplicationContext start(Class<?> application, String name, EtcdServer etcd,
			ZipkinServer zipkin, String... more) {
		List<String> properties = new ArrayList<>(List.of("spring.application.name=" + name, "server.port=0",
				"server.address=127.0.0.1", "spring.main.banner-mode=off", "micro.etcd.endpoints=" + etcd.endpoint(),
				"micro.registry.address=127.0.0.1", "management.tracing.sampling.probability=1.0",
				"management.zipkin.tracing.endpoint=" + zipkin.spansEndpoint()));
		properties.addAll(List.of(more));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
			.properties(properties.toArray(String[]::new))
			.run();
		applications.add(context);
		return context;
	}

	@AfterAll
	static void stopServices() {
		applications.forEach(ConfigurableApplicationContext::close);
	}

	@Test
	void oneRequestAcrossTwoServicesIsOneTraceInZipkinAndInTheShippedLog(ZipkinServer zipkin, KafkaServer kafka)
			throws Exception {
		JsonNode answer = RunningApplication.get(caller, "/a");
		String traceId = answer.get("traceId").asText();
		assertThat(answer.at("/callee/traceId").asText()).isEqualTo(traceId);

		JsonNode trace = await().atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(500))
			.until(() -> spans(zipkin, traceId), (spans) -> services(spans).containsAll(List.of("trace-a", "trace-b")));
		assertThat(trace.findValues("traceId")).allSatisfy((id) -> assertThat(id.asText()).isEqualTo(traceId));
		// the client span of the hop the load balancer chose carries the chosen instance
		assertThat(trace.findValues("micro.loadbalancer.instance")).isNotEmpty();

		JsonNode served = await().atMost(Duration.ofSeconds(60))
			.until(() -> served(kafka, traceId), (event) -> event != null);
		assertThat(served.get("traceId").asText()).isEqualTo(traceId);
		assertThat(served.at("/micro/service").asText()).isEqualTo("trace-b");
	}

	@Test
	void withoutTheStarterTracingAUserBuiltBuilderStartsASecondTrace() throws Exception {
		JsonNode answer = RunningApplication.get(plainCaller, "/a");
		assertThat(answer.at("/callee/traceId").asText()).isNotBlank().isNotEqualTo(answer.get("traceId").asText());
	}

	private static JsonNode spans(ZipkinServer zipkin, String traceId) throws Exception {
		String trace = zipkin.trace(traceId);
		return (trace != null) ? json.readTree(trace) : json.createArrayNode();
	}

	private static List<String> services(JsonNode spans) {
		return spans.findValues("localEndpoint").stream().map((endpoint) -> endpoint.path("serviceName").asText()).toList();
	}

	private static JsonNode served(KafkaServer kafka, String traceId) throws Exception {
		for (ConsumerRecord<String, String> record : TopicReader.records(kafka, TOPIC)) {
			JsonNode event = json.readTree(record.value());
			if (event.path("message").asText().equals("serving b") && traceId.equals(event.path("traceId").asText())) {
				return event;
			}
		}
		return null;
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class CallerApplication {

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClientBuilder() {
			return RestClient.builder();
		}

		@Bean
		CallerController callerController(RestClient.Builder builder, Tracer tracer) {
			return new CallerController(builder.build(), tracer);
		}

	}

	@RestController
	static class CallerController {

		private final RestClient client;

		private final Tracer tracer;

		CallerController(RestClient client, Tracer tracer) {
			this.client = client;
			this.tracer = tracer;
		}

		@GetMapping("/a")
		Map<String, Object> a() {
			JsonNode callee = this.client.get().uri("http://trace-b/b").retrieve().body(JsonNode.class);
			return Map.of("traceId", this.tracer.currentSpan().context().traceId(), "callee", callee);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class CalleeApplication {

		@Bean
		CalleeController calleeController(Tracer tracer) {
			return new CalleeController(tracer);
		}

	}

	@RestController
	static class CalleeController {

		private static final Logger log = LoggerFactory.getLogger(CalleeController.class);

		private final Tracer tracer;

		CalleeController(Tracer tracer) {
			this.tracer = tracer;
		}

		@GetMapping("/b")
		Map<String, Object> b() {
			log.info("serving b");
			return Map.of("traceId", this.tracer.currentSpan().context().traceId());
		}

	}

}
