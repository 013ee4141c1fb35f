package io.github.microspring.logging;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Shipping of this application's log events to a Kafka topic.
 */
@ConfigurationProperties("micro.logging.kafka")
@Validated
public class KafkaLoggingProperties {

	/**
	 * Whether to ship log events to Kafka.
	 */
	private boolean enabled = false;

	/**
	 * Topic the log events are sent to.
	 */
	@NotBlank
	private String topic = "web_log";

	/**
	 * Kafka brokers, as host:port. Defaults to spring.kafka.bootstrap-servers, else localhost:9092.
	 */
	private List<String> bootstrapServers = new ArrayList<>();

	/**
	 * Kafka producer settings, overriding the shipper's (for example linger.ms, compression.type,
	 * security.protocol).
	 */
	private Map<String, String> producer = new LinkedHashMap<>();

	/**
	 * Structured logging format of each event: ecs or logstash. logging.structured.* settings apply.
	 */
	@NotNull
	private Format format = Format.ECS;

	/**
	 * What each record is keyed by, hence which events stay in order in one partition.
	 */
	@NotNull
	private RecordKey key = RecordKey.SERVICE;

	/**
	 * Service name carried by each event. Defaults to spring.application.name.
	 */
	private String serviceName;

	/**
	 * Instance id carried by each event. Defaults to the registry's node id when this application registers
	 * in etcd, else to the service name and a random UUID.
	 */
	private String instanceId;

	/**
	 * Most events queued in memory for the sender thread; beyond that they are dropped and counted. While a batch
	 * is in flight the sender holds up to half as many again, formatted.
	 */
	@Min(16)
	private int queueCapacity = 16384;

	/**
	 * Most events sent in one batch.
	 */
	@Min(1)
	private int batchSize = 8192;

	/**
	 * How long a batch may wait for the broker before newer events go to the spool.
	 */
	@NotNull
	private Duration spoolAfter = Duration.ofMillis(200);

	/**
	 * First wait before sending again after the broker failed a batch; doubles up to max-retry-backoff.
	 */
	@NotNull
	private Duration retryBackoff = Duration.ofMillis(500);

	/**
	 * Longest wait between attempts while the broker is away.
	 */
	@NotNull
	private Duration maxRetryBackoff = Duration.ofSeconds(5);

	/**
	 * How long stopping keeps shipping what is left; the rest stays in the spool for the next start.
	 */
	@NotNull
	private Duration shutdownGrace = Duration.ofSeconds(5);

	/**
	 * Backlog (events in memory and in the spool) above which the health indicator reports shipping as behind.
	 */
	@Min(0)
	private long behindThreshold = 10000;

	@Valid
	private final Spooling spool = new Spooling();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getTopic() {
		return this.topic;
	}

	public void setTopic(String topic) {
		this.topic = topic;
	}

	public List<String> getBootstrapServers() {
		return this.bootstrapServers;
	}

	public void setBootstrapServers(List<String> bootstrapServers) {
		this.bootstrapServers = bootstrapServers;
	}

	public Map<String, String> getProducer() {
		return this.producer;
	}

	public void setProducer(Map<String, String> producer) {
		this.producer = producer;
	}

	public Format getFormat() {
		return this.format;
	}

	public void setFormat(Format format) {
		this.format = format;
	}

	public RecordKey getKey() {
		return this.key;
	}

	public void setKey(RecordKey key) {
		this.key = key;
	}

	public String getServiceName() {
		return this.serviceName;
	}

	public void setServiceName(String serviceName) {
		this.serviceName = serviceName;
	}

	public String getInstanceId() {
		return this.instanceId;
	}

	public void setInstanceId(String instanceId) {
		this.instanceId = instanceId;
	}

	public int getQueueCapacity() {
		return this.queueCapacity;
	}

	public void setQueueCapacity(int queueCapacity) {
		this.queueCapacity = queueCapacity;
	}

	public int getBatchSize() {
		return this.batchSize;
	}

	public void setBatchSize(int batchSize) {
		this.batchSize = batchSize;
	}

	public Duration getSpoolAfter() {
		return this.spoolAfter;
	}

	public void setSpoolAfter(Duration spoolAfter) {
		this.spoolAfter = spoolAfter;
	}

	public Duration getRetryBackoff() {
		return this.retryBackoff;
	}

	public void setRetryBackoff(Duration retryBackoff) {
		this.retryBackoff = retryBackoff;
	}

	public Duration getMaxRetryBackoff() {
		return this.maxRetryBackoff;
	}

	public void setMaxRetryBackoff(Duration maxRetryBackoff) {
		this.maxRetryBackoff = maxRetryBackoff;
	}

	public Duration getShutdownGrace() {
		return this.shutdownGrace;
	}

	public void setShutdownGrace(Duration shutdownGrace) {
		this.shutdownGrace = shutdownGrace;
	}

	public long getBehindThreshold() {
		return this.behindThreshold;
	}

	public void setBehindThreshold(long behindThreshold) {
		this.behindThreshold = behindThreshold;
	}

	public Spooling getSpool() {
		return this.spool;
	}

	/**
	 * On-disk spool for events the broker could not take.
	 */
	public static class Spooling {

		/**
		 * Directory of the spool; a second process on the same host uses the directory with "-1" appended, and
		 * so on. Defaults to micro-logging-spool/{service name} under java.io.tmpdir.
		 */
		private Path directory;

		/**
		 * Most bytes the spool holds; beyond that events are dropped and counted.
		 */
		@NotNull
		private DataSize maxSize = DataSize.ofMegabytes(256);

		public Path getDirectory() {
			return this.directory;
		}

		public void setDirectory(Path directory) {
			this.directory = directory;
		}

		public DataSize getMaxSize() {
			return this.maxSize;
		}

		public void setMaxSize(DataSize maxSize) {
			this.maxSize = maxSize;
		}

	}

	/**
	 * JSON layout of a log event, as Spring Boot's structured logging writes it.
	 */
	public enum Format {

		/** Elastic Common Schema. */
		ECS("ecs"),

		/** Logstash JSON. */
		LOGSTASH("logstash");

		private final String id;

		Format(String id) {
			this.id = id;
		}

		String id() {
			return this.id;
		}

	}

	/**
	 * What each Kafka record is keyed by.
	 */
	public enum RecordKey {

		/** All events of the service in one partition, in order. */
		SERVICE,

		/** Each instance's events in one partition, in order. */
		INSTANCE,

		/** Each trace's events together; events logged outside a trace are keyed by instance. */
		TRACE_ID

	}

}
