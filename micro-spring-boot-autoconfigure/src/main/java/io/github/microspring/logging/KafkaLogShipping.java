package io.github.microspring.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggerContextListener;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Ships the application's log events to Kafka while the context runs: on start, the sender thread starts and
 * the appender joins the root logger; on stop, the appender leaves it, and the sender ships what is left for
 * the grace period before closing the producer. Starts first and stops last, so the log of other components'
 * shutdown is shipped too.
 */
public class KafkaLogShipping implements SmartLifecycle {

	private final LogShipper<CapturedEvent> shipper;

	private final KafkaLogAppender appender;

	/** Boot's logging system resets the Logback context when logging is configured again; stay attached. */
	private final LoggerContextListener reattach = new LoggerContextListener() {

		@Override
		public boolean isResetResistant() {
			return true;
		}

		@Override
		public void onReset(LoggerContext context) {
			if (KafkaLogShipping.this.shipper.isRunning()) {
				attach(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME));
			}
		}

		@Override
		public void onStart(LoggerContext context) {
		}

		@Override
		public void onStop(LoggerContext context) {
		}

		@Override
		public void onLevelChange(Logger logger, Level level) {
		}

	};

	private final String instanceId;

	KafkaLogShipping(LogShipper<CapturedEvent> shipper, String instanceId) {
		this.shipper = shipper;
		this.instanceId = instanceId;
		this.appender = new KafkaLogAppender(shipper);
	}

	/** Instance id the shipped events carry. */
	public String instanceId() {
		return this.instanceId;
	}

	LogShipper<CapturedEvent> shipper() {
		return this.shipper;
	}

	KafkaLogAppender appender() {
		return this.appender;
	}

	@Override
	public void start() {
		this.shipper.start();
		Logger root = rootLogger();
		if (root != null) {
			this.appender.setContext(root.getLoggerContext());
			this.appender.start();
			attach(root);
			root.getLoggerContext().addListener(this.reattach);
		}
	}

	private void attach(Logger root) {
		if (root.getAppender(this.appender.getName()) == null) {
			root.addAppender(this.appender);
		}
	}

	@Override
	public void stop() {
		Logger root = rootLogger();
		if (root != null) {
			root.getLoggerContext().removeListener(this.reattach);
			root.detachAppender(this.appender);
		}
		this.appender.stop();
		this.shipper.stop();
	}

	@Override
	public boolean isRunning() {
		return this.shipper.isRunning();
	}

	@Override
	public int getPhase() {
		return Integer.MIN_VALUE + 1000;
	}

	private static Logger rootLogger() {
		if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
			return context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
		}
		return null;
	}

}
