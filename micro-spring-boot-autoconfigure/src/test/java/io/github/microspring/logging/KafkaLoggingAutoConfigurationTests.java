package io.github.microspring.logging;

import java.nio.file.Path;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaLoggingAutoConfigurationTests {

	@TempDir
	Path spool;

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(KafkaLoggingAutoConfiguration.class))
			.withPropertyValues("spring.application.name=orders", "micro.logging.kafka.spool.directory=" + this.spool,
					"micro.logging.kafka.bootstrap-servers=127.0.0.1:1");
	}

	@Test
	void isOffByDefault() {
		runner().run((context) -> {
			assertThat(context).doesNotHaveBean(KafkaLogShipping.class);
			assertThat(hasShippingAppender()).isFalse();
		});
	}

	@Test
	void isOffWhenDisabled() {
		runner().withPropertyValues("micro.logging.kafka.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(KafkaLogShipping.class));
	}

	@Test
	void installsTheAppenderOnTheRootLoggerWhileTheContextRunsAndRemovesItOnClose() {
		runner().withPropertyValues("micro.logging.kafka.enabled=true").run((context) -> {
			assertThat(context).hasSingleBean(KafkaLogShipping.class);
			assertThat(hasShippingAppender()).isTrue();
			assertThat(context).hasBean("kafkaLogShippingHealthIndicator");
			HealthIndicator health = context.getBean("kafkaLogShippingHealthIndicator", HealthIndicator.class);
			assertThat(health.health().getStatus()).isIn(Status.UP, Status.UNKNOWN);
			MeterRegistry meters = new SimpleMeterRegistry();
			context.getBean("kafkaLogShippingMetrics", MeterBinder.class).bindTo(meters);
			assertThat(meters.find("micro.logging.kafka.dropped").functionCounter()).isNotNull();
			assertThat(meters.find("micro.logging.kafka.backlog").gauge()).isNotNull();
			context.close();
			assertThat(hasShippingAppender()).isFalse();
		});
	}

	@Test
	void producerSettingsDefaultToSafeValuesAndUserOverridesWin() {
		KafkaLoggingProperties properties = new KafkaLoggingProperties();
		properties.getProducer().put("linger.ms", "50");
		var config = KafkaLoggingAutoConfiguration.producerConfig(properties,
				new org.springframework.mock.env.MockEnvironment().withProperty("spring.kafka.bootstrap-servers",
						"kafka:9092"),
				"orders");
		assertThat(config).containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "kafka:9092")
			.containsEntry(ProducerConfig.ACKS_CONFIG, "all")
			.containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
			.containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000)
			.containsEntry(ProducerConfig.LINGER_MS_CONFIG, "50");
	}

	@Test
	void backsOffWithoutTheKafkaClient() {
		runner().withPropertyValues("micro.logging.kafka.enabled=true")
			.withClassLoader(new FilteredClassLoader(KafkaProducer.class))
			.run((context) -> assertThat(context).doesNotHaveBean(KafkaLogShipping.class));
	}

	@Test
	void usersOwnShippingWins() {
		runner().withPropertyValues("micro.logging.kafka.enabled=true")
			.withUserConfiguration(OwnShipping.class)
			.run((context) -> assertThat(context).getBean(KafkaLogShipping.class)
				.isSameAs(context.getBean("ownShipping")));
	}

	@Test
	void queueCapacityBelowTheMinimumFailsStartupNamingTheProperty() {
		runner().withPropertyValues("micro.logging.kafka.enabled=true", "micro.logging.kafka.queue-capacity=1")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("micro.logging.kafka")
				.hasMessageContaining("queueCapacity"));
	}

	private static boolean hasShippingAppender() {
		var appenders = rootLogger().iteratorForAppenders();
		while (appenders.hasNext()) {
			if (appenders.next() instanceof KafkaLogAppender) {
				return true;
			}
		}
		return false;
	}

	private static Logger rootLogger() {
		return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnShipping {

		@Bean
		KafkaLogShipping ownShipping() throws java.io.IOException {
			Path directory = java.nio.file.Files.createTempDirectory("own-spool");
			return new KafkaLogShipping(new LogShipper<>(16, (event) -> null, TestSender::new,
					() -> Spool.open(directory, 1024), new LogShipper.Settings(1, java.time.Duration.ofSeconds(1),
							java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1),
							java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1)),
					java.time.Clock.systemUTC()), "own-1");
		}

	}

}
