package io.github.microspring.etcd;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.microspring.registry.EtcdRegistration;

import io.github.microspring.test.etcd.EtcdServer;
import io.github.microspring.test.etcd.EtcdTls;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

import static io.github.microspring.etcd.RunningApplication.health;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Whole applications (registry and discovery on) against a real etcd that serves TLS only and requires
 * client certificates.
 */
class EtcdTlsIntegrationTests {

	private static EtcdTls tls;

	private static EtcdServer etcd;

	@BeforeAll
	static void startEtcdWithTls() {
		tls = EtcdTls.generate();
		etcd = EtcdServer.startWithTls(tls);
	}

	@AfterAll
	static void stopEtcd() {
		etcd.close();
		tls.close();
	}

	@Test
	void registersAndDiscoversThroughAnSslBundle() throws Exception {
		String bundle = "spring.ssl.bundle.pem.etcd.";
		try (ConfigurableApplicationContext app = run("bundled", "micro.etcd.ssl.bundle=etcd",
				bundle + "truststore.certificate=" + tls.caCertificate(),
				bundle + "keystore.certificate=" + tls.clientCertificate(),
				bundle + "keystore.private-key=" + tls.clientKey())) {
			await().atMost(Duration.ofSeconds(20))
				.until(() -> app.getBean(DiscoveryClient.class).getInstances("bundled").size() == 1);
			JsonNode health = health(app);
			assertThat(health.at("/components/etcdRegistration/status").asText()).isEqualTo("UP");
			assertThat(health.at("/components/etcdDiscovery/status").asText()).isEqualTo("UP");
			String nodeId = app.getBean(EtcdRegistration.class).getInstanceId();
			assertThat(etcd.get("/micro/registry/bundled/" + nodeId)).contains("\"id\":\"" + nodeId + "\"");
		}
	}

	@Test
	void registersAndDiscoversThroughPemFilesGivenAsPlainPaths() throws Exception {
		try (ConfigurableApplicationContext app = run("pem-files", "micro.etcd.tls.enabled=true",
				"micro.etcd.tls.trust-certificates=" + tls.caCertificate(),
				"micro.etcd.tls.certificate=" + tls.clientCertificate(),
				"micro.etcd.tls.private-key=" + tls.clientKey())) {
			await().atMost(Duration.ofSeconds(20))
				.until(() -> app.getBean(DiscoveryClient.class).getInstances("pem-files").size() == 1);
			assertThat(health(app).at("/components/etcdRegistration/status").asText()).isEqualTo("UP");
		}
	}

	@Test
	void serverCertificateFromAnotherAuthorityShowsInHealthNamingTheProperties() throws Exception {
		try (EtcdTls other = EtcdTls.generate();
				ConfigurableApplicationContext app = run("wrong-ca", "micro.etcd.tls.enabled=true",
						"micro.etcd.tls.trust-certificates=" + other.caCertificate(),
						"micro.etcd.tls.certificate=" + tls.clientCertificate(),
						"micro.etcd.tls.private-key=" + tls.clientKey())) {
			assertRefusedWithTlsHint(app);
		}
	}

	@Test
	void missingClientCertificateShowsInHealthNamingTheProperties() throws Exception {
		String bundle = "spring.ssl.bundle.pem.etcd.";
		try (ConfigurableApplicationContext app = run("no-client-cert", "micro.etcd.ssl.bundle=etcd",
				bundle + "truststore.certificate=" + tls.caCertificate())) {
			assertRefusedWithTlsHint(app);
		}
	}

	private static void assertRefusedWithTlsHint(ConfigurableApplicationContext app) throws Exception {
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			JsonNode registration = health(app).at("/components/etcdRegistration");
			assertThat(registration.at("/status").asText()).isEqualTo("UNKNOWN");
			assertThat(registration.at("/details/lastError").asText()).contains("micro.etcd.ssl.bundle")
				.contains("micro.etcd.tls.*");
		});
		assertThat(health(app).at("/components/etcdDiscovery/status").asText()).isEqualTo("UNKNOWN");
	}

	static ConfigurableApplicationContext run(String name, String... extra) {
		return new SpringApplicationBuilder(TestApplication.class)
			.properties("spring.application.name=" + name, "server.port=0", "server.address=127.0.0.1",
					"micro.etcd.endpoints=" + etcd.endpoint(), "micro.registry.lease-ttl=5s",
					"micro.registry.register-interval=1s", "management.endpoints.web.exposure.include=health",
					"management.endpoint.health.show-details=always", "spring.main.banner-mode=off")
			.properties(extra)
			.run();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

	}

}
