package io.github.microspring.etcd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.microspring.test.etcd.EtcdTls;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared jetcd client: how properties and SSL bundles reach jetcd's builder, and how wrong ones fail
 * startup naming the property.
 */
class EtcdAutoConfigurationTests {

	private static EtcdTls tls;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, EtcdAutoConfiguration.class))
		.withUserConfiguration(CapturedBuilder.class);

	@BeforeAll
	static void certificates() {
		tls = EtcdTls.generate();
	}

	@AfterAll
	static void deleteCertificates() {
		tls.close();
	}

	@Test
	void acceptsLargerMessagesThanGrpcByDefault() {
		this.runner.run((context) -> assertThat(builder(context).maxInboundMessageSize()).isEqualTo(16 * 1024 * 1024));
	}

	@Test
	void maxInboundMessageSizeReachesTheClient() {
		this.runner.withPropertyValues("micro.etcd.max-inbound-message-size=64MB")
			.run((context) -> assertThat(builder(context).maxInboundMessageSize()).isEqualTo(64 * 1024 * 1024));
	}

	@Test
	void maxInboundMessageSizeOf2GigabytesFailsStartupNamingTheProperty() {
		this.runner.withPropertyValues("micro.etcd.max-inbound-message-size=2GB")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("micro.etcd.max-inbound-message-size"));
	}

	@Test
	void jetcdStopsRetryingHalfwayThroughTheCallTimeout() {
		this.runner.run((context) -> {
			assertThat(builder(context).retryMaxDuration()).isEqualTo(Duration.ofMillis(1500));
			assertThat(builder(context).retryDelay()).isEqualTo(500);
		});
		// Failsafe refuses a first retry delay longer than the bound, which would fail every call
		this.runner.withPropertyValues("micro.etcd.call-timeout=500ms").run((context) -> {
			assertThat(builder(context).retryMaxDuration()).isEqualTo(Duration.ofMillis(250));
			assertThat(builder(context).retryDelay()).isEqualTo(125);
		});
	}

	@Test
	void plainTextWithoutTlsProperties() {
		this.runner.run((context) -> assertThat(builder(context).sslContext()).isNull());
	}

	@Test
	void sslBundleTurnsTlsOn() {
		this.runner.withPropertyValues(bundle("etcd")).withPropertyValues("micro.etcd.ssl.bundle=etcd").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(builder(context).sslContext()).isNotNull();
			assertThat(builder(context).sslContext().isClient()).isTrue();
		});
	}

	@Test
	void unknownSslBundleFailsStartupNamingTheProperty() {
		this.runner.withPropertyValues(bundle("etcd")).withPropertyValues("micro.etcd.ssl.bundle=etdc")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("micro.etcd.ssl.bundle")
				.hasMessageContaining("etdc")
				.hasMessageContaining("[etcd]"));
	}

	@Test
	void sslBundleTogetherWithPemPropertiesFailsStartup() {
		this.runner.withPropertyValues(bundle("etcd"))
			.withPropertyValues("micro.etcd.ssl.bundle=etcd", "micro.etcd.tls.trust-certificates=" + tls.caCertificate())
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("micro.etcd.ssl.bundle")
				.hasMessageContaining("micro.etcd.tls"));
	}

	@Test
	void pemPropertiesTakePlainPathsAsFilesInAWebApplication() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, EtcdAutoConfiguration.class))
			.withUserConfiguration(CapturedBuilder.class)
			.withPropertyValues("micro.etcd.tls.enabled=true", "micro.etcd.tls.trust-certificates=" + tls.caCertificate(),
					"micro.etcd.tls.certificate=" + tls.clientCertificate(),
					"micro.etcd.tls.private-key=" + tls.clientKey())
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(builder(context).sslContext()).isNotNull();
			});
	}

	@Test
	void pemPropertiesTakeFileAndClasspathPrefixesAndInlinePem() throws Exception {
		String inlineKey = Files.readString(tls.clientKey());
		this.runner
			.withPropertyValues("micro.etcd.tls.enabled=true",
					"micro.etcd.tls.trust-certificates=file:" + tls.caCertificate(),
					"micro.etcd.tls.certificate=" + tls.clientCertificate().toUri(),
					"micro.etcd.tls.private-key=" + inlineKey)
			.run((context) -> assertThat(context).hasNotFailed());
		this.runner.withPropertyValues("micro.etcd.tls.enabled=true", "micro.etcd.tls.trust-certificates=classpath:nothing.pem")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("micro.etcd.tls.trust-certificates")
				.hasMessageContaining("classpath:nothing.pem"));
	}

	@Test
	void missingPemFileFailsStartupNamingTheProperty() {
		Path missing = tls.dir().resolve("missing.pem");
		this.runner.withPropertyValues("micro.etcd.tls.enabled=true", "micro.etcd.tls.trust-certificates=" + missing)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("micro.etcd.tls.trust-certificates")
				.hasMessageContaining(missing.toString()));
	}

	@Test
	void certificateWithoutPrivateKeyFailsStartupNamingTheMissingProperty() {
		this.runner
			.withPropertyValues("micro.etcd.tls.enabled=true", "micro.etcd.tls.certificate=" + tls.clientCertificate())
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("micro.etcd.tls.private-key"));
	}

	@Test
	void usersOwnClientWins() {
		this.runner.withBean("myClient", Client.class, () -> Client.builder().endpoints("http://127.0.0.1:1").build())
			.run((context) -> {
				assertThat(context).hasSingleBean(Client.class).hasBean("myClient");
				assertThat(context.getBean(CapturedBuilder.class).builder.get()).isNull();
			});
	}

	private static ClientBuilder builder(org.springframework.context.ApplicationContext context) {
		context.getBean(Client.class);
		return context.getBean(CapturedBuilder.class).builder.get();
	}

	private static String[] bundle(String name) {
		String prefix = "spring.ssl.bundle.pem." + name + ".";
		return new String[] { prefix + "truststore.certificate=" + tls.caCertificate(),
				prefix + "keystore.certificate=" + tls.clientCertificate(),
				prefix + "keystore.private-key=" + tls.clientKey() };
	}

	@Configuration(proxyBeanMethods = false)
	static class CapturedBuilder {

		final AtomicReference<ClientBuilder> builder = new AtomicReference<>();

		@Bean
		EtcdClientBuilderCustomizer capture() {
			return this.builder::set;
		}

	}

}
