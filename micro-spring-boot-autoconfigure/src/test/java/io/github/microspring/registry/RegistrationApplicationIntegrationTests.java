package io.github.microspring.registry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.test.etcd.EtcdExtension;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerGracefulShutdownLifecycle;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.client.discovery.event.InstancePreRegisteredEvent;
import org.springframework.cloud.client.discovery.event.InstanceRegisteredEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;

import static io.github.microspring.etcd.RunningApplication.get;
import static io.github.microspring.etcd.RunningApplication.port;
import static io.github.microspring.etcd.RunningApplication.status;
import static io.github.microspring.etcd.RunningApplication.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Whole Spring Boot applications registering in and discovering through a real etcd.
 */
@ExtendWith(EtcdExtension.class)
class RegistrationApplicationIntegrationTests {

	private static final ObjectMapper json = new ObjectMapper();

	@Test
	void twoApplicationsSeeEachOtherInGoMicroFormat(EtcdServer etcd) throws Exception {
		try (ConfigurableApplicationContext alpha = run("alpha", etcd.endpoint());
				ConfigurableApplicationContext beta = run("beta", etcd.endpoint());
				Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
			DiscoveryClient alphaDiscovery = alpha.getBean(DiscoveryClient.class);
			DiscoveryClient betaDiscovery = beta.getBean(DiscoveryClient.class);
			await().atMost(Duration.ofSeconds(5))
				.until(() -> alphaDiscovery.getInstances("beta").size() == 1
						&& betaDiscovery.getInstances("alpha").size() == 1);

			ServiceInstance seenBeta = alphaDiscovery.getInstances("beta").get(0);
			assertThat(seenBeta.getHost()).isEqualTo("127.0.0.1");
			assertThat(seenBeta.getPort()).isEqualTo(port(beta));
			assertThat(seenBeta.getMetadata()).containsEntry("version", "latest").containsEntry("zone", "z1");
			assertThat(alpha.getBean(ReactiveDiscoveryClient.class).getInstances("beta").collectList().block())
				.containsExactly(seenBeta);

			String nodeId = beta.getBean(EtcdRegistration.class).getInstanceId();
			assertThat(nodeId).startsWith("beta-");
			List<KeyValue> kvs = LeaseKeeperIntegrationTests.keys(client, "/micro/registry/beta/");
			assertThat(kvs).hasSize(1);
			assertThat(kvs.get(0).getKey().toString(StandardCharsets.UTF_8)).isEqualTo("/micro/registry/beta/" + nodeId);
			JsonNode value = json.readTree(kvs.get(0).getValue().getBytes());
			assertThat(value.toString()).isEqualTo("{\"name\":\"beta\",\"version\":\"latest\",\"metadata\":{},"
					+ "\"endpoints\":[],\"nodes\":[{\"id\":\"" + nodeId + "\",\"address\":\"127.0.0.1:" + port(beta)
					+ "\",\"metadata\":{\"protocol\":\"http\",\"scheme\":\"http\",\"zone\":\"z1\"}}]}");

			JsonNode health = get(alpha, "/actuator/health");
			assertThat(health.at("/components/etcdRegistration/status").asText()).isEqualTo("UP");
			assertThat(health.at("/components/etcdDiscovery/status").asText()).isEqualTo("UP");
			JsonNode catalog = get(alpha, "/actuator/catalog");
			assertThat(catalog.at("/services/beta/0/instanceId").asText()).isEqualTo(nodeId);
			JsonNode renewals = get(alpha, "/actuator/metrics/micro.registry.registrations");
			assertThat(renewals.at("/measurements/0/value").asDouble()).isEqualTo(1.0);
			JsonNode instances = get(alpha, "/actuator/metrics/micro.discovery.instances?tag=service:beta");
			assertThat(instances.at("/measurements/0/value").asDouble()).isEqualTo(1.0);
		}
	}

	@Test
	void keyLeavesEtcdBeforeTheWebServerStopsAccepting(EtcdServer etcd) throws Exception {
		AtomicReference<List<Object>> seenAtDrain = new AtomicReference<>();
		ConfigurableApplicationContext app = new SpringApplicationBuilder(TestApplication.class)
			.initializers((context) -> context.getBeanFactory()
				.registerSingleton("drainProbe", new DrainProbe(context, seenAtDrain)))
			.properties(properties("drained", etcd.endpoint()))
			.properties("server.shutdown=graceful")
			.run();
		String key;
		try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
			key = RegistryCodec.key("/micro/registry", "drained", app.getBean(EtcdRegistration.class).getInstanceId());
			await().atMost(Duration.ofSeconds(5)).until(() -> LeaseKeeperIntegrationTests.keys(client, key).size() == 1);
			app.close();
			assertThat(LeaseKeeperIntegrationTests.keys(client, key)).isEmpty();
		}
		// at the last moment before draining began: key already gone, port still accepting
		assertThat(seenAtDrain.get()).containsExactly(0L, true);
	}

	@Test
	void startsWithoutEtcdAndRegistersOnceItIsUp() throws Exception {
		try (EtcdServer etcd = EtcdServer.start()) {
			etcd.stop();
			long started = System.nanoTime();
			try (ConfigurableApplicationContext app = run("patient", etcd.endpoint(), "micro.etcd.call-timeout=500ms",
					"management.endpoint.health.probes.enabled=true",
					"management.endpoint.health.show-components=always")) {
				assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
				// the first attempt is bounded by the call timeout, then registration retries in the background
				await().atMost(Duration.ofSeconds(5)).until(() -> "RETRYING"
					.equals(get(app, "/actuator/health").at("/components/etcdRegistration/details/state").asText()));
				// an etcd outage is no reason to restart the application: health and liveness stay 200
				assertThat(status(app, "/actuator/health")).isEqualTo(200);
				JsonNode health = get(app, "/actuator/health");
				assertThat(health.at("/components/etcdRegistration/status").asText()).isEqualTo("UNKNOWN");
				assertThat(health.at("/components/etcdRegistration/details/since").asText()).isNotEmpty();
				assertThat(health.at("/components/etcdRegistration/details/lastError").asText()).isNotEmpty();
				assertThat(health.at("/components/etcdDiscovery/status").asText()).isEqualTo("UNKNOWN");
				assertThat(health.at("/components/etcdDiscovery/details/staleSince").isMissingNode()).isFalse();
				assertThat(status(app, "/actuator/health/liveness")).isEqualTo(200);
				JsonNode liveness = get(app, "/actuator/health/liveness");
				assertThat(liveness.at("/components/etcdRegistration").isMissingNode()).isTrue();
				assertThat(liveness.at("/components/etcdDiscovery").isMissingNode()).isTrue();

				etcd.restart();

				await().atMost(Duration.ofSeconds(10))
					.until(() -> app.getBean(DiscoveryClient.class).getInstances("patient").size() == 1);
				await().atMost(Duration.ofSeconds(5)).until(() -> "UP"
					.equals(get(app, "/actuator/health").at("/components/etcdRegistration/status").asText()));
			}
		}
	}

	@Test
	void closesPromptlyWhileEtcdIsFrozen() throws Exception {
		try (EtcdServer etcd = EtcdServer.start()) {
			ConfigurableApplicationContext app = run("hasty", etcd.endpoint(), "micro.etcd.call-timeout=8s");
			try {
				EtcdServiceRegistry registry = app.getBean(EtcdServiceRegistry.class);
				EtcdRegistration registration = app.getBean(EtcdRegistration.class);
				await().atMost(Duration.ofSeconds(10)).until(() -> registry.keeper(registration) != null
						&& "REGISTERED".equals(registry.keeper(registration).state().name()));
				etcd.freeze();
				long started = System.nanoTime();
				app.close();
				// one short revoke attempt, not the 8 s call timeout once or twice
				assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
				// and nothing of the registration runs on after the context (and with it the client) closed
				assertThat(Thread.getAllStackTraces().keySet())
					.noneMatch((thread) -> thread.getName().equals("etcd-registry-hasty") && thread.isAlive());
			}
			finally {
				etcd.thaw();
				app.close();
			}
		}
	}

	@Test
	void followsSpringCloudServiceRegistryConventions(EtcdServer etcd) throws Exception {
		List<ApplicationEvent> events = new CopyOnWriteArrayList<>();
		ApplicationListener<ApplicationEvent> listener = (event) -> {
			if (event instanceof InstancePreRegisteredEvent || event instanceof InstanceRegisteredEvent) {
				events.add(event);
			}
		};
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(TestApplication.class)
			.properties(properties("conventional", etcd.endpoint()))
			.properties("management.endpoints.web.exposure.include=health,serviceregistry")
			.listeners(listener)
			.run()) {
			EtcdRegistration registration = app.getBean(EtcdRegistration.class);
			assertThat(events).hasSize(2);
			assertThat(events.get(0)).isInstanceOfSatisfying(InstancePreRegisteredEvent.class,
					(event) -> assertThat(event.getRegistration()).isSameAs(registration));
			assertThat(events.get(1)).isInstanceOf(InstanceRegisteredEvent.class);

			await().atMost(Duration.ofSeconds(5))
				.until(() -> text(app, "/actuator/serviceregistry").contains("REGISTERED"));
			HttpResponse<String> setStatus = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(app) + "/actuator/serviceregistry"))
					.header("Content-Type", "application/json")
					.POST(HttpRequest.BodyPublishers.ofString("{\"status\":\"OUT_OF_SERVICE\"}"))
					.timeout(Duration.ofSeconds(5))
					.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(setStatus.statusCode()).isEqualTo(400);
		}
	}

	@Test
	void registersWithUsernameAndPasswordAgainstEtcdWithAuth() throws Exception {
		try (EtcdServer etcd = EtcdServer.startWithAuth("s3cret")) {
			try (ConfigurableApplicationContext app = run("guarded", etcd.endpoint(), "micro.etcd.username=root",
					"micro.etcd.password=s3cret");
					ConfigurableApplicationContext refused = run("refused", etcd.endpoint(),
							"micro.etcd.username=root", "micro.etcd.password=wrong", "micro.etcd.call-timeout=1s")) {
				await().atMost(Duration.ofSeconds(10))
					.until(() -> app.getBean(DiscoveryClient.class).getInstances("guarded").size() == 1);
				try (Client client = Client.builder()
					.endpoints(etcd.endpoint())
					.user(ByteSequence.from("root", StandardCharsets.UTF_8))
					.password(ByteSequence.from("s3cret", StandardCharsets.UTF_8))
					.build()) {
					assertThat(LeaseKeeperIntegrationTests.keys(client, "/micro/registry/guarded/")).hasSize(1);
					assertThat(LeaseKeeperIntegrationTests.keys(client, "/micro/registry/refused/")).isEmpty();
				}
				JsonNode health = get(refused, "/actuator/health");
				assertThat(health.at("/components/etcdRegistration/status").asText()).isEqualTo("UNKNOWN");
				assertThat(health.at("/components/etcdRegistration/details/lastError").asText()).isNotEmpty();
			}
		}
	}

	static ConfigurableApplicationContext run(String name, String endpoint, String... extra) {
		return new SpringApplicationBuilder(TestApplication.class).properties(properties(name, endpoint))
			.properties(extra)
			.run();
	}

	static String[] properties(String name, String endpoint) {
		return new String[] { "spring.application.name=" + name, "server.port=0", "server.address=127.0.0.1",
				"micro.etcd.endpoints=" + endpoint, "micro.registry.metadata.zone=z1",
				"micro.registry.lease-ttl=5s", "micro.registry.register-interval=1s",
				"management.endpoints.web.exposure.include=health,catalog,metrics",
				"management.endpoint.health.show-details=always", "spring.main.banner-mode=off" };
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

	}

	/**
	 * Stops just before the web server starts draining and looks at what a client would see then.
	 */
	static class DrainProbe implements SmartLifecycle {

		private final ConfigurableApplicationContext context;

		private final AtomicReference<List<Object>> seen;

		private volatile boolean running;

		DrainProbe(ConfigurableApplicationContext context, AtomicReference<List<Object>> seen) {
			this.context = context;
			this.seen = seen;
		}

		@Override
		public void start() {
			this.running = true;
		}

		@Override
		public void stop() {
			this.running = false;
			List<Object> observed = new ArrayList<>();
			try {
				EtcdRegistration registration = this.context.getBean(EtcdRegistration.class);
				Client client = this.context.getBean(Client.class);
				observed.add(client.getKVClient()
					.get(ByteSequence.from(RegistryCodec.key("/micro/registry", registration.getServiceId(),
							registration.getInstanceId()), StandardCharsets.UTF_8))
					.get(3, TimeUnit.SECONDS)
					.getCount());
				try (Socket socket = new Socket()) {
					socket.connect(new InetSocketAddress("127.0.0.1", port(this.context)), 2000);
					observed.add(socket.isConnected());
				}
				catch (IOException ex) {
					observed.add(false);
				}
			}
			catch (Exception ex) {
				observed.add(ex.toString());
			}
			this.seen.set(observed);
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 1;
		}

	}

}
