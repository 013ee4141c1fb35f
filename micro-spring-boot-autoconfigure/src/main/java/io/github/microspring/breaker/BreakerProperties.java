package io.github.microspring.breaker;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Circuit breakers of {@link CircuitBreaker @CircuitBreaker} methods, with Hystrix's settings and defaults.
 */
@ConfigurationProperties("micro.breaker")
@Validated
public class BreakerProperties {

	/**
	 * Settings of every breaker, unless its instance sets them.
	 */
	@Valid
	private final Settings defaults = new Settings();

	/**
	 * Settings per breaker name; each key set here wins over the same key of the defaults.
	 */
	private final Map<String, @Valid Settings> instances = new LinkedHashMap<>();

	public Settings getDefaults() {
		return this.defaults;
	}

	public Map<String, Settings> getInstances() {
		return this.instances;
	}

	/**
	 * Settings of one breaker.
	 */
	public static class Settings {

		/**
		 * How long a call may take before it fails and the fallback answers (Hystrix
		 * execution.isolation.thread.timeoutInMilliseconds).
		 */
		@NotNull
		@DurationMin(millis = 1)
		private Duration timeout = Duration.ofSeconds(1);

		/**
		 * Fewest calls in the rolling window before the error percent can open the breaker (Hystrix
		 * circuitBreaker.requestVolumeThreshold).
		 */
		@Min(1)
		private int requestVolumeThreshold = 20;

		/**
		 * Percent of failed calls in the rolling window, from 1 to 100, at or above which the breaker opens
		 * (Hystrix circuitBreaker.errorThresholdPercentage).
		 */
		@Min(1)
		@Max(100)
		private int errorPercentThreshold = 50;

		/**
		 * How long an open breaker rejects calls before it lets trial calls through (Hystrix
		 * circuitBreaker.sleepWindowInMilliseconds).
		 */
		@NotNull
		@DurationMin(millis = 1)
		private Duration sleepWindow = Duration.ofSeconds(5);

		/**
		 * Most calls running at once; more are rejected at once (Hystrix maxConcurrentRequests, or the thread
		 * pool's coreSize for methods that block).
		 */
		@Min(1)
		private int maxConcurrentRequests = 10;

		/**
		 * Span of the rolling window of call outcomes, in whole seconds (Hystrix
		 * metrics.rollingStats.timeInMilliseconds).
		 */
		@NotNull
		@DurationMin(seconds = 1)
		private Duration rollingWindow = Duration.ofSeconds(10);

		/**
		 * Calls let through once the sleep window has passed; their outcome closes or opens the breaker again.
		 */
		@Min(1)
		private int trialCalls = 1;

		/**
		 * Whether calls rejected by the concurrency cap count as failures of the breaker, as in Hystrix.
		 */
		private boolean countRejections = true;

		/**
		 * Whether a call that timed out is interrupted (a blocking method) or cancelled (a CompletionStage);
		 * otherwise it runs on unobserved until it ends.
		 */
		private boolean cancelRunningFuture = true;

		@AssertTrue(message = "rolling-window must be a whole number of seconds")
		boolean isRollingWindowWholeSeconds() {
			return this.rollingWindow == null || this.rollingWindow.toMillis() % 1000 == 0;
		}

		Settings copy() {
			Settings copy = new Settings();
			copy.timeout = this.timeout;
			copy.requestVolumeThreshold = this.requestVolumeThreshold;
			copy.errorPercentThreshold = this.errorPercentThreshold;
			copy.sleepWindow = this.sleepWindow;
			copy.maxConcurrentRequests = this.maxConcurrentRequests;
			copy.rollingWindow = this.rollingWindow;
			copy.trialCalls = this.trialCalls;
			copy.countRejections = this.countRejections;
			copy.cancelRunningFuture = this.cancelRunningFuture;
			return copy;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public int getRequestVolumeThreshold() {
			return this.requestVolumeThreshold;
		}

		public void setRequestVolumeThreshold(int requestVolumeThreshold) {
			this.requestVolumeThreshold = requestVolumeThreshold;
		}

		public int getErrorPercentThreshold() {
			return this.errorPercentThreshold;
		}

		public void setErrorPercentThreshold(int errorPercentThreshold) {
			this.errorPercentThreshold = errorPercentThreshold;
		}

		public Duration getSleepWindow() {
			return this.sleepWindow;
		}

		public void setSleepWindow(Duration sleepWindow) {
			this.sleepWindow = sleepWindow;
		}

		public int getMaxConcurrentRequests() {
			return this.maxConcurrentRequests;
		}

		public void setMaxConcurrentRequests(int maxConcurrentRequests) {
			this.maxConcurrentRequests = maxConcurrentRequests;
		}

		public Duration getRollingWindow() {
			return this.rollingWindow;
		}

		public void setRollingWindow(Duration rollingWindow) {
			this.rollingWindow = rollingWindow;
		}

		public int getTrialCalls() {
			return this.trialCalls;
		}

		public void setTrialCalls(int trialCalls) {
			this.trialCalls = trialCalls;
		}

		public boolean isCountRejections() {
			return this.countRejections;
		}

		public void setCountRejections(boolean countRejections) {
			this.countRejections = countRejections;
		}

		public boolean isCancelRunningFuture() {
			return this.cancelRunningFuture;
		}

		public void setCancelRunningFuture(boolean cancelRunningFuture) {
			this.cancelRunningFuture = cancelRunningFuture;
		}

	}

}
