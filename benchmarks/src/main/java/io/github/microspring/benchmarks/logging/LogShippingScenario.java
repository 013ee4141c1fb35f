package io.github.microspring.benchmarks.logging;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import com.github.danielwegener.logback.kafka.KafkaAppender;
import com.github.danielwegener.logback.kafka.delivery.AsynchronousDeliveryStrategy;
import com.github.danielwegener.logback.kafka.keying.NoKeyKeyingStrategy;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.LoggerFactory;

import io.github.microspring.logging.KafkaLogShipping;
import io.github.microspring.logging.KafkaLoggingAutoConfiguration;
import io.github.microspring.test.kafka.KafkaServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * Cost of one {@code log.info} on the application thread, Kafka up and Kafka down, for the starter's Kafka log
 * shipper and for the archived {@code logback-kafka-appender} (0.2.0-RC2, asynchronous delivery, the same ECS
 * encoder), each alone on the root logger; and the events per second the shipper delivers. Runs a real broker.
 * <p>
 * Arguments: {@code events=100000 rate=50000 throughput=300000}: events timed per case, the pace they are
 * logged at (per second, so the shipper's queue is not what is measured), events for the throughput run.
 */
public final class LogShippingScenario {

	private static final org.slf4j.Logger log = LoggerFactory.getLogger("com.example.OrderService");

	private static final String FLOOR_LOGGER = "com.example.Floor";

	private static final org.slf4j.Logger floorLog = LoggerFactory.getLogger(FLOOR_LOGGER);

	private LogShippingScenario() {
	}

	public static void main(String[] args) throws Exception {
		int events = option(args, "events", 100_000);
		int rate = option(args, "rate", 50_000);
		int throughputEvents = option(args, "throughput", 300_000);
		boolean latency = option(args, "latency", 1) == 1;
		LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
		try (KafkaServer kafka = KafkaServer.start()) {
			System.out.printf("broker %s; %d events per case at %d/s%n", kafka.bootstrapServers(), events, rate);
			if (!latency) {
				throughputOnly(logback, kafka, throughputEvents);
				return;
			}
			ConfigurableApplicationContext shipper = startShipper(kafka, "bench_ours", 16384);
			Appender<ILoggingEvent> ours = detachAll(logback);
			Result[] oursUp = measure(logback, ours, events, rate);
			Appender<ILoggingEvent> theirs = anchor(logback, kafka, shipper.getEnvironment());
			Result[] theirsUp = measure(logback, theirs, events, rate);
			kafka.stop();
			Result[] oursDown = measure(logback, ours, events, rate);
			Result[] theirsDown = measure(logback, theirs, events, rate);
			kafka.restart();
			theirs.stop();
			shipper.close();


			System.out.println();
			System.out.println("log.info on the application thread (ns)        p50      p90      p99    p99.9      max preempted");
			print("micro shipper, Kafka up", oursUp[0]);
			print("  floor, between its calls", oursUp[1]);
			print("logback-kafka-appender, Kafka up", theirsUp[0]);
			print("  floor, between its calls", theirsUp[1]);
			print("micro shipper, Kafka down", oursDown[0]);
			print("  floor, between its calls", oursDown[1]);
			print("logback-kafka-appender, Kafka down", theirsDown[0]);
			print("  floor, between its calls", theirsDown[1]);
			throughputOnly(logback, kafka, throughputEvents);
		}
	}

	private static void throughputOnly(LoggerContext logback, KafkaServer kafka, int events) throws Exception {
		ConfigurableApplicationContext fast = startShipper(kafka, "bench_throughput", events + 1000);
		Appender<ILoggingEvent> appender = detachAll(logback);
		long senderCpu = cpuNanos("micro-log-shipper");
		long networkCpu = cpuNanos("kafka-producer-network-thread | micro-log-shipper");
		double perSecond = throughput(logback, appender, fast, events);
		senderCpu = cpuNanos("micro-log-shipper") - senderCpu;
		networkCpu = cpuNanos("kafka-producer-network-thread | micro-log-shipper") - networkCpu;
		fast.close();
		long rawCpu = cpuNanos("main") + cpuNanos("kafka-producer-network-thread | producer-");
		double raw = rawProducer(kafka, events);
		rawCpu = cpuNanos("main") + cpuNanos("kafka-producer-network-thread | producer-") - rawCpu;
		System.out.printf(Locale.ROOT, "%nshipped by the micro shipper: %,.0f events/s (%d events, broker acks)%n",
				perSecond, events);
		System.out.printf(Locale.ROOT,
				"anchor, a bare KafkaProducer with the shipper's settings sending the same count of 500-byte records: %,.0f records/s%n",
				raw);
		// CPU time depends far less than rates on what else runs on the machine
		System.out.printf(Locale.ROOT,
				"CPU per event: shipper's sender and producer threads %.2f µs (%.2f + %.2f); anchor's sending and producer threads %.2f µs%n",
				(senderCpu + networkCpu) / 1e3 / events, senderCpu / 1e3 / events, networkCpu / 1e3 / events,
				rawCpu / 1e3 / events);
	}

	private static double rawProducer(KafkaServer kafka, int events) throws Exception {
		// the shipper's producer defaults (KafkaLoggingAutoConfiguration)
		java.util.Map<String, Object> config = java.util.Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks",
				"all", "enable.idempotence", true, "max.in.flight.requests.per.connection", 5, "linger.ms", 5,
				"batch.size", 256 * 1024, "max.block.ms", 1000);
		byte[] value = new byte[500];
		Arrays.fill(value, (byte) 'x');
		java.util.concurrent.atomic.AtomicLong acked = new java.util.concurrent.atomic.AtomicLong();
		try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer = new org.apache.kafka.clients.producer.KafkaProducer<>(
				config, new org.apache.kafka.common.serialization.ByteArraySerializer(),
				new org.apache.kafka.common.serialization.ByteArraySerializer())) {
			producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("bench_raw", value)).get();
			long started = System.nanoTime();
			for (int i = 0; i < events; i++) {
				producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("bench_raw", "bench".getBytes(), value),
						(metadata, ex) -> {
							if (ex == null) {
								acked.incrementAndGet();
							}
						});
			}
			producer.flush();
			return acked.get() / ((System.nanoTime() - started) / 1e9);
		}
	}

	/**
	 * Times the kernel took the CPU from the calling thread ({@code nonvoluntary_ctxt_switches}): each one lands in
	 * the timed call it interrupts, or between two calls.
	 */
	private static long preemptions() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
				if (line.startsWith("nonvoluntary_ctxt_switches:")) {
					return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
				}
			}
		}
		catch (IOException ex) {
			// not Linux: the column stays 0
		}
		return 0;
	}

	/** CPU time of the live threads whose name starts with {@code prefix}. */
	private static long cpuNanos(String prefix) {
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		long total = 0;
		for (ThreadInfo thread : threads.getThreadInfo(threads.getAllThreadIds())) {
			if (thread != null && thread.getThreadName().startsWith(prefix)) {
				total += Math.max(0, threads.getThreadCpuTime(thread.getThreadId()));
			}
		}
		return total;
	}

	private static ConfigurableApplicationContext startShipper(KafkaServer kafka, String topic, int queue)
			throws Exception {
		Path spool = Files.createTempDirectory("bench-spool");
		return new SpringApplicationBuilder(ShipperApplication.class).web(WebApplicationType.NONE)
			.properties("spring.application.name=bench", "spring.main.banner-mode=off", "logging.level.root=INFO",
					"micro.logging.kafka.enabled=true", "micro.logging.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
					"micro.logging.kafka.topic=" + topic, "micro.logging.kafka.queue-capacity=" + queue,
					"micro.logging.kafka.spool.directory=" + spool, "micro.logging.kafka.shutdown-grace=2s")
			.run();
	}

	/** Leaves only the shipper's appender on the root logger: the console would dominate every figure. */
	private static Appender<ILoggingEvent> detachAll(LoggerContext logback) {
		Logger root = logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
		Appender<ILoggingEvent> shipper = null;
		for (var appenders = root.iteratorForAppenders(); appenders.hasNext();) {
			Appender<ILoggingEvent> appender = appenders.next();
			if (appender.getName() != null && appender.getName().startsWith("MICRO_KAFKA")) {
				shipper = appender;
			}
		}
		root.detachAndStopAllAppenders();
		if (shipper == null) {
			throw new IllegalStateException("The shipper's appender is not on the root logger");
		}
		shipper.start();
		return shipper;
	}

	private static Appender<ILoggingEvent> anchor(LoggerContext logback, KafkaServer kafka, Environment environment) {
		// as its README asks: left to reach the appender, the Kafka client's own log makes it create its producer
		// while creating it (StackOverflowError with kafka-clients 3.9 under Logback 1.5)
		logback.getLogger("org.apache.kafka").setAdditive(false);
		logback.putObject(Environment.class.getName(), environment);
		StructuredLogEncoder encoder = new StructuredLogEncoder();
		encoder.setContext(logback);
		encoder.setFormat("ecs");
		encoder.start();
		KafkaAppender<ILoggingEvent> appender = new KafkaAppender<>();
		appender.setContext(logback);
		appender.setName("ANCHOR");
		appender.setTopic("bench_anchor");
		appender.setEncoder(encoder);
		appender.setKeyingStrategy(new NoKeyKeyingStrategy());
		appender.setDeliveryStrategy(new AsynchronousDeliveryStrategy());
		appender.addProducerConfigValue("bootstrap.servers", kafka.bootstrapServers());
		appender.addProducerConfigValue("acks", "1");
		appender.start();
		return appender;
	}

	/**
	 * Times {@code events} calls through the appender, and between each two of them one call to a logger whose only
	 * appender captures the event and drops it: the floor, what Logback's own work and this machine's noise cost
	 * a call at the same moments, under the same background of sender, producer and broker threads.
	 */
	private static Result[] measure(LoggerContext logback, Appender<ILoggingEvent> appender, int events, int rate) {
		Logger root = logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
		root.detachAndStopAllAppenders();
		root.addAppender(appender);
		root.setLevel(Level.INFO);
		Logger floor = logback.getLogger(FLOOR_LOGGER);
		floor.setAdditive(false);
		floor.detachAndStopAllAppenders();
		CaptureOnlyAppender capture = new CaptureOnlyAppender();
		capture.setContext(logback);
		capture.start();
		floor.addAppender(capture);
		timed(events / 5, rate, new long[events / 5], new long[events / 5]);
		long preempted = preemptions();
		long[] nanos = new long[events];
		long[] floorNanos = new long[events];
		timed(events, rate, nanos, floorNanos);
		preempted = preemptions() - preempted;
		root.detachAppender(appender);
		floor.detachAndStopAllAppenders();
		return new Result[] { Result.of(nanos, preempted), Result.of(floorNanos, preempted) };
	}

	private static void timed(int events, int rate, long[] nanos, long[] floorNanos) {
		long interval = TimeUnit.SECONDS.toNanos(1) / rate;
		long next = System.nanoTime();
		for (int i = 0; i < events; i++) {
			while (System.nanoTime() < next) {
				Thread.onSpinWait();
			}
			next += interval;
			long started = System.nanoTime();
			log.info("order {} placed by customer {}", i, "c-42");
			long between = System.nanoTime();
			floorLog.info("order {} placed by customer {}", i, "c-42");
			floorNanos[i] = System.nanoTime() - between;
			nanos[i] = between - started;
		}
	}

	/** What every asynchronous appender does on the logging thread, and nothing more. */
	private static final class CaptureOnlyAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

		@Override
		protected void append(ILoggingEvent event) {
			event.prepareForDeferredProcessing();
		}

	}

	private static double throughput(LoggerContext logback, Appender<ILoggingEvent> appender,
			ConfigurableApplicationContext shipper, int events) {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		shipper.getBean("kafkaLogShippingMetrics", MeterBinder.class).bindTo(meters);
		FunctionCounter shipped = meters.get("micro.logging.kafka.shipped").functionCounter();
		LongSupplier count = () -> (long) shipped.count();
		Logger root = logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
		root.addAppender(appender);
		long before = count.getAsLong();
		long started = System.nanoTime();
		for (int i = 0; i < events; i++) {
			log.info("order {} placed by customer {}", i, "c-42");
		}
		long deadline = started + TimeUnit.MINUTES.toNanos(5);
		while (count.getAsLong() - before < events && System.nanoTime() < deadline) {
			// checks every millisecond rather than spinning: a spinning thread takes one of the two cores from
			// the sender and the producer's network thread it is timing
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
		}
		double seconds = (System.nanoTime() - started) / 1e9;
		root.detachAppender(appender);
		return (count.getAsLong() - before) / seconds;
	}

	private static void print(String name, Result result) {
		System.out.printf(Locale.ROOT, "%-42s %8d %8d %8d %8d %8d %9d%n", name, result.p50(), result.p90(), result.p99(),
				result.p999(), result.max(), result.preempted());
	}

	private static int option(String[] args, String name, int fallback) {
		for (String arg : args) {
			if (arg.startsWith(name + "=")) {
				return Integer.parseInt(arg.substring(name.length() + 1));
			}
		}
		return fallback;
	}

	record Result(long p50, long p90, long p99, long p999, long max, long preempted) {

		static Result of(long[] nanos, long preempted) {
			long[] sorted = nanos.clone();
			Arrays.sort(sorted);
			return new Result(sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.9)],
					sorted[(int) (sorted.length * 0.99)], sorted[(int) (sorted.length * 0.999)], sorted[sorted.length - 1],
					preempted);
		}

	}

	@SpringBootConfiguration
	@ImportAutoConfiguration(KafkaLoggingAutoConfiguration.class)
	static class ShipperApplication {

	}

}
