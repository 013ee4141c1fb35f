package io.github.microspring.logging;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import ch.qos.logback.classic.LoggerContext;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Ships the application's Logback events to Kafka, when {@code micro.logging.kafka.enabled} is true.
 */
@AutoConfiguration
@ConditionalOnClass({ KafkaProducer.class, LoggerContext.class, StructuredLogEncoder.class })
@ConditionalOnBooleanProperty("micro.logging.kafka.enabled")
@EnableConfigurationProperties(KafkaLoggingProperties.class)
public class KafkaLoggingAutoConfiguration {

	private static final String REGISTRATION = "org.springframework.cloud.client.serviceregistry.Registration";

	@Bean
	@ConditionalOnMissingBean
	KafkaLogShipping kafkaLogShipping(KafkaLoggingProperties properties, Environment environment,
			ListableBeanFactory beans) {
		String service = serviceName(properties, environment);
		String instance = instanceId(properties, service, beans);
		LogEventFormatter formatter = new LogEventFormatter(environment, properties.getFormat().id(),
				properties.getKey(), service, instance);
		Map<String, Object> producer = producerConfig(properties, environment, service);
		Path directory = (properties.getSpool().getDirectory() != null) ? properties.getSpool().getDirectory()
				: Path.of(System.getProperty("java.io.tmpdir"), "micro-logging-spool", service);
		long maxBytes = properties.getSpool().getMaxSize().toBytes();
		LogShipper.Settings settings = new LogShipper.Settings(properties.getBatchSize(), properties.getSpoolAfter(),
				properties.getRetryBackoff(), properties.getMaxRetryBackoff(), properties.getShutdownGrace(),
				Duration.ofSeconds(1));
		return new KafkaLogShipping(new LogShipper<>(properties.getQueueCapacity(), formatter,
				() -> new KafkaLogSender(producer, properties.getTopic()), () -> Spool.open(directory, maxBytes),
				settings, Clock.systemUTC()), instance);
	}

	static String serviceName(KafkaLoggingProperties properties, Environment environment) {
		if (StringUtils.hasText(properties.getServiceName())) {
			return properties.getServiceName();
		}
		return environment.getProperty("spring.application.name", "application");
	}

	private static String instanceId(KafkaLoggingProperties properties, String service, ListableBeanFactory beans) {
		if (StringUtils.hasText(properties.getInstanceId())) {
			return properties.getInstanceId();
		}
		if (ClassUtils.isPresent(REGISTRATION, KafkaLoggingAutoConfiguration.class.getClassLoader())) {
			String registered = RegisteredInstance.id(beans);
			if (registered != null) {
				return registered;
			}
		}
		return service + "-" + UUID.randomUUID();
	}

	static Map<String, Object> producerConfig(KafkaLoggingProperties properties, Environment environment,
			String service) {
		Map<String, Object> config = new LinkedHashMap<>();
		String servers = properties.getBootstrapServers().isEmpty()
				? environment.getProperty("spring.kafka.bootstrap-servers", "localhost:9092")
				: String.join(",", properties.getBootstrapServers());
		config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
		config.put(ProducerConfig.CLIENT_ID_CONFIG, "micro-log-shipper-" + service);
		// idempotent with acks=all: the producer's own retries neither reorder nor duplicate
		config.put(ProducerConfig.ACKS_CONFIG, "all");
		config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
		config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
		// only the sender thread waits for metadata, and only this long before the batch goes to the spool
		config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000);
		config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
		config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
		config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
		config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10000);
		config.putAll(properties.getProducer());
		return config;
	}

	/**
	 * Reads Spring Cloud's {@code Registration} only when Spring Cloud Commons is present.
	 */
	private static final class RegisteredInstance {

		static String id(ListableBeanFactory beans) {
			org.springframework.cloud.client.serviceregistry.Registration registration = beans
				.getBeanProvider(org.springframework.cloud.client.serviceregistry.Registration.class)
				.getIfAvailable();
			return (registration != null) ? registration.getInstanceId() : null;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	@ConditionalOnEnabledHealthIndicator("kafka-log-shipping")
	static class KafkaLoggingHealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "kafkaLogShippingHealthIndicator")
		HealthIndicator kafkaLogShippingHealthIndicator(KafkaLogShipping shipping, KafkaLoggingProperties properties) {
			return new KafkaLogShippingHealthIndicator(shipping.shipper(), properties.getBehindThreshold());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class KafkaLoggingMetricsConfiguration {

		@Bean
		MeterBinder kafkaLogShippingMetrics(KafkaLogShipping shipping) {
			LogShipper<CapturedEvent> shipper = shipping.shipper();
			return (MeterRegistry meters) -> {
				FunctionCounter.builder("micro.logging.kafka.shipped", shipper, LogShipper::shipped)
					.description("Log events the broker acknowledged")
					.register(meters);
				FunctionCounter.builder("micro.logging.kafka.spooled", shipper, LogShipper::spooled)
					.description("Log events written to the on-disk spool while the broker was away or slow")
					.register(meters);
				FunctionCounter.builder("micro.logging.kafka.dropped", shipper, LogShipper::dropped)
					.description("Log events lost because the queue or the spool was full")
					.register(meters);
				Gauge.builder("micro.logging.kafka.backlog", shipper, LogShipper::backlog)
					.description("Log events waiting in memory or in the spool")
					.register(meters);
			};
		}

	}

}
