package io.github.microspring.test.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import io.github.microspring.test.FreePorts;
import io.github.microspring.test.ServerBinaries;
import io.github.microspring.test.ServerProcess;
import io.github.microspring.test.ServerProcesses;

/**
 * One real Kafka broker (KRaft, broker and controller in one node) in its own JVM, started from the
 * {@code kafka_2.13} jars of the current classpath, on free loopback ports with a temporary data dir.
 * {@link #stop()}, {@link #kill()} and {@link #restart()} keep the ports and the data, so records and topics
 * survive a restart.
 */
public final class KafkaServer extends ServerProcess {

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

	private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);

	private static final long STOP_GRACE_MILLIS = 30_000;

	private final int port;

	private final int controllerPort;

	private final Path home;

	private final Path dataDir;

	private final Path config;

	private final Path log;

	private KafkaServer(int port, int controllerPort, Path home) {
		super("Kafka broker", Duration.ofMillis(STOP_GRACE_MILLIS));
		this.port = port;
		this.controllerPort = controllerPort;
		this.home = home;
		this.dataDir = home.resolve("data");
		this.config = home.resolve("server.properties");
		this.log = home.resolve("kafka.log");
	}

	/**
	 * Formats a fresh data dir, starts the broker and waits until it answers {@code describeCluster}.
	 * @return the running broker
	 */
	public static KafkaServer start() {
		int[] ports = FreePorts.take(2);
		KafkaServer server = new KafkaServer(ports[0], ports[1], tempDir());
		try {
			server.writeConfig();
			server.format();
			server.launch();
			server.awaitReady();
			return server;
		}
		catch (RuntimeException ex) {
			server.close();
			throw ex;
		}
	}

	/**
	 * @return {@code 127.0.0.1:port}, for {@code spring.kafka.bootstrap-servers} and clients
	 */
	public String bootstrapServers() {
		return "127.0.0.1:" + this.port;
	}

	public int port() {
		return this.port;
	}

	/**
	 * Starts a stopped or killed broker again (stopping it first if it runs) on the same ports with the same
	 * data, and waits until it serves.
	 */
	@Override
	protected void startProcess() {
		launch();
		awaitReady();
	}

	/**
	 * Stops the broker and deletes its data.
	 */
	@Override
	public synchronized void close() {
		stop();
		delete(this.home);
	}

	/**
	 * Creates a topic unless it exists.
	 * @param topic the name
	 * @param partitions how many partitions
	 */
	public void createTopic(String topic, int partitions) {
		try (Admin admin = Admin.create(clientConfig())) {
			admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
		}
		catch (ExecutionException ex) {
			if (!(ex.getCause() instanceof TopicExistsException)) {
				throw new IllegalStateException("Cannot create topic " + topic + " on " + this, ex.getCause());
			}
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException("Topic " + topic + " not created within 30 s on " + this, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Produces one record and waits until the broker acknowledges it.
	 * @param topic the topic, created if missing
	 * @param key the key, or null
	 * @param value the value
	 * @return where it was written
	 */
	public RecordMetadata send(String topic, String key, String value) {
		return send(new ProducerRecord<>(topic, key, value));
	}

	/**
	 * Produces one record, headers included, and waits until the broker acknowledges it.
	 * @param record the record; its topic is created if missing
	 * @return where it was written
	 */
	public RecordMetadata send(ProducerRecord<String, String> record) {
		Map<String, Object> config = clientConfig();
		config.put(ProducerConfig.ACKS_CONFIG, "all");
		config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
		try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
				new StringSerializer())) {
			return producer.send(record).get(30, TimeUnit.SECONDS);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new IllegalStateException("Cannot send to " + record.topic() + " on " + this, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Reads a topic from the beginning with a fresh consumer group until at least {@code atLeast} records
	 * have arrived.
	 * @param topic the topic
	 * @param atLeast how many records to wait for
	 * @param timeout how long to wait for them
	 * @return every record read, with keys, values and headers, in partition order
	 * @throws IllegalStateException when fewer arrived within the timeout, naming how many did
	 */
	public List<ConsumerRecord<String, String>> records(String topic, int atLeast, Duration timeout) {
		Map<String, Object> config = clientConfig();
		config.put(ConsumerConfig.GROUP_ID_CONFIG, "micro-test-" + UUID.randomUUID());
		config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		List<ConsumerRecord<String, String>> records = new ArrayList<>();
		long deadline = System.nanoTime() + timeout.toNanos();
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
				new StringDeserializer())) {
			consumer.subscribe(List.of(topic));
			while (records.size() < atLeast && System.nanoTime() < deadline) {
				consumer.poll(Duration.ofMillis(200)).forEach(records::add);
			}
		}
		if (records.size() < atLeast) {
			throw new IllegalStateException("Read " + records.size() + " of at least " + atLeast + " records from "
					+ topic + " within " + timeout + " on " + this + ": " + records);
		}
		return records;
	}

	private Map<String, Object> clientConfig() {
		Map<String, Object> config = new HashMap<>();
		config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
		return config;
	}

	private void writeConfig() {
		Properties properties = new Properties();
		properties.setProperty("process.roles", "broker,controller");
		properties.setProperty("node.id", "1");
		properties.setProperty("controller.quorum.voters", "1@127.0.0.1:" + this.controllerPort);
		properties.setProperty("listeners",
				"PLAINTEXT://127.0.0.1:" + this.port + ",CONTROLLER://127.0.0.1:" + this.controllerPort);
		properties.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + this.port);
		properties.setProperty("controller.listener.names", "CONTROLLER");
		properties.setProperty("inter.broker.listener.name", "PLAINTEXT");
		properties.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
		properties.setProperty("log.dirs", this.dataDir.toString());
		properties.setProperty("auto.create.topics.enable", "true");
		properties.setProperty("num.partitions", "1");
		properties.setProperty("default.replication.factor", "1");
		properties.setProperty("min.insync.replicas", "1");
		properties.setProperty("offsets.topic.replication.factor", "1");
		// the first consumer group waits until every partition of __consumer_offsets has a leader
		properties.setProperty("offsets.topic.num.partitions", "1");
		properties.setProperty("transaction.state.log.replication.factor", "1");
		properties.setProperty("transaction.state.log.min.isr", "1");
		properties.setProperty("transaction.state.log.num.partitions", "1");
		properties.setProperty("group.initial.rebalance.delay.ms", "0");
		// two cores shared by many JVMs
		properties.setProperty("num.network.threads", "2");
		properties.setProperty("num.io.threads", "2");
		properties.setProperty("background.threads", "2");
		properties.setProperty("num.recovery.threads.per.data.dir", "1");
		try {
			Files.createDirectories(this.dataDir);
			try (var out = Files.newBufferedWriter(this.config)) {
				properties.store(out, "KafkaServer of micro-spring-boot-test");
			}
			Files.writeString(this.home.resolve("logback.xml"), """
					<configuration>
						<appender name="out" class="ch.qos.logback.core.ConsoleAppender">
							<encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
						</appender>
						<root level="WARN"><appender-ref ref="out"/></root>
					</configuration>
					""");
			Files.writeString(this.home.resolve("log4j.properties"), """
					log4j.rootLogger=WARN, out
					log4j.appender.out=org.apache.log4j.ConsoleAppender
					log4j.appender.out.layout=org.apache.log4j.PatternLayout
					log4j.appender.out.layout.ConversionPattern=%d{HH:mm:ss.SSS} %-5p %c - %m%n
					""");
			Files.writeString(this.home.resolve("log4j2.properties"), """
					rootLogger.level=WARN
					rootLogger.appenderRef.out.ref=out
					appender.out.type=Console
					appender.out.name=out
					appender.out.layout.type=PatternLayout
					appender.out.layout.pattern=%d{HH:mm:ss.SSS} %-5p %c - %m%n
					""");
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot write the Kafka config in " + this.home, ex);
		}
	}

	/**
	 * The StorageTool calls {@code System.exit}, hence a process of its own.
	 */
	private void format() {
		Process format = start(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c",
				this.config.toString(), "--ignore-formatted"));
		try {
			if (!format.waitFor(FORMAT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
				ServerProcesses.kill(format);
				throw new IllegalStateException("Kafka storage format took over " + FORMAT_TIMEOUT.toSeconds()
						+ " s:\n" + ServerBinaries.tail(this.log));
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			ServerProcesses.kill(format);
			throw new IllegalStateException(ex);
		}
		ServerProcesses.stop(format, 0);
		if (format.exitValue() != 0) {
			throw new IllegalStateException("Kafka storage format failed (exit " + format.exitValue() + "):\n"
					+ ServerBinaries.tail(this.log));
		}
	}

	private synchronized void launch() {
		track(start(List.of("kafka.Kafka", this.config.toString())));
	}

	private Process start(List<String> mainAndArguments) {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
				"-Djava.awt.headless=true", "-Dlogback.configurationFile=" + this.home.resolve("logback.xml"),
				"-Dlog4j.configuration=" + this.home.resolve("log4j.properties").toUri(),
				"-Dlog4j2.configurationFile=" + this.home.resolve("log4j2.properties"), "-cp", classpath()));
		command.addAll(mainAndArguments);
		try {
			return ServerProcesses.track(new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.log.toFile()))
				.start());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start " + mainAndArguments.get(0), ex);
		}
	}

	/**
	 * The current JVM's classpath: the module that uses this class depends on {@code kafka_2.13}.
	 */
	private static String classpath() {
		if (KafkaServer.class.getClassLoader().getResource("kafka/Kafka.class") == null) {
			throw new IllegalStateException(
					"org.apache.kafka:kafka_2.13 is not on the classpath: KafkaServer runs the broker from it");
		}
		return System.getProperty("java.class.path");
	}

	private void awaitReady() {
		try {
			// the admin client logs a WARN per refused connection: wait for the listener first
			Awaitility.await("Kafka broker " + bootstrapServers() + " listening")
				.atMost(READY_TIMEOUT)
				.pollInterval(Duration.ofMillis(100))
				.until(this::listens);
			Map<String, Object> config = clientConfig();
			config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
			config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
			try (Admin admin = Admin.create(config)) {
				Awaitility.await("Kafka broker " + bootstrapServers() + " ready")
					.atMost(READY_TIMEOUT)
					.pollInterval(Duration.ofMillis(100))
					.until(() -> serves(admin));
			}
		}
		catch (ConditionTimeoutException ex) {
			throw new IllegalStateException("Kafka broker not ready within " + READY_TIMEOUT.toSeconds() + " s:\n"
					+ ServerBinaries.tail(this.log), ex);
		}
	}

	private boolean listens() {
		requireAlive();
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 500);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private boolean serves(Admin admin) throws InterruptedException {
		requireAlive();
		try {
			return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
		}
		catch (ExecutionException | TimeoutException ex) {
			return false;
		}
	}

	private void requireAlive() {
		if (!process().isAlive()) {
			throw new IllegalStateException("Kafka broker exited with " + process().exitValue() + ":\n"
					+ ServerBinaries.tail(this.log));
		}
	}

	private static Path tempDir() {
		try {
			return Files.createTempDirectory("kafka-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void delete(Path dir) {
		if (!Files.exists(dir)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(dir)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// a temp dir left behind is harmless
		}
	}

	@Override
	public String toString() {
		return "Kafka broker at " + bootstrapServers();
	}

}
