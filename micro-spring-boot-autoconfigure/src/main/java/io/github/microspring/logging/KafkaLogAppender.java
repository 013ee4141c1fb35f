package io.github.microspring.logging;

import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;

/**
 * Hands each log event to the {@link LogShipper} and returns: the logging thread only captures what is bound
 * to it (formatted message, MDC, thread name) and takes a sequence number. Events from Kafka's own client and
 * from the sender thread are left out: shipping them would feed the shipper its own output, and an appender that
 * waits on a producer which itself logs is how the older Kafka appenders deadlocked (KAFKA-6415, KAFKA-13761).
 */
class KafkaLogAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

	static final String NAME = "MICRO_KAFKA";

	private static final AtomicLong instances = new AtomicLong();

	private static final String KAFKA_LOGGERS = "org.apache.kafka";

	private static final String KAFKA_THREADS = "kafka-producer-network-thread";

	private final LogShipper<CapturedEvent> shipper;

	private final AtomicLong sequence = new AtomicLong();

	KafkaLogAppender(LogShipper<CapturedEvent> shipper) {
		this.shipper = shipper;
		// one per application context: two contexts in one JVM (tests, a parent and child) each keep theirs
		long number = instances.incrementAndGet();
		setName((number == 1) ? NAME : NAME + "-" + number);
	}

	@Override
	protected void append(ILoggingEvent event) {
		if (event.getLoggerName().startsWith(KAFKA_LOGGERS) || this.shipper.isSenderThread()
				|| event.getThreadName().startsWith(KAFKA_THREADS)) {
			return;
		}
		event.prepareForDeferredProcessing();
		this.shipper.offer(new CapturedEvent(this.sequence.incrementAndGet(), event));
	}

	/** Sequence number of the last event taken. */
	long lastSequence() {
		return this.sequence.get();
	}

}
