package io.github.microspring.discovery;

import java.time.Duration;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Discovery of services registered in etcd.
 */
@ConfigurationProperties("micro.discovery")
@Validated
public class DiscoveryProperties {

	/**
	 * Whether to discover services registered in etcd.
	 */
	private boolean enabled = true;

	/**
	 * Order of the etcd discovery client among several discovery clients.
	 */
	private int order = 0;

	/**
	 * How many keys one listing request reads; large catalogs are listed in pages of one revision. Halved
	 * by itself when a page exceeds the etcd client's inbound message limit.
	 */
	@Min(1)
	private int listPageSize = 1000;

	/**
	 * First delay before listing again after the watch failed; doubles with jitter on each failure.
	 */
	@NotNull
	@DurationMin(millis = 1)
	private Duration retryMinBackoff = Duration.ofMillis(100);

	/**
	 * Longest delay between attempts to list again while etcd cannot be reached; at least
	 * retry-min-backoff.
	 */
	@NotNull
	@DurationMin(millis = 1)
	private Duration retryMaxBackoff = Duration.ofSeconds(5);

	/**
	 * How often to list the whole registry again although the watch is in sync, so that a missed delete
	 * cannot leave an instance in the catalog for good; zero or negative turns it off, else at least 1s.
	 */
	@NotNull
	private Duration resyncInterval = Duration.ofMinutes(5);

	/**
	 * How long to gather catalog changes before telling listeners (and publishing one HeartbeatEvent,
	 * which refreshes Spring Cloud Gateway's discovery routes) once for all of them. The catalog itself
	 * is updated at once.
	 */
	@NotNull
	@DurationMin(millis = 0)
	private Duration notificationDelay = Duration.ofMillis(100);

	@AssertTrue(message = "micro.discovery.retry-max-backoff must not be shorter than micro.discovery.retry-min-backoff")
	boolean isRetryMaxBackoffAtLeastMin() {
		return this.retryMinBackoff == null || this.retryMaxBackoff == null
				|| this.retryMaxBackoff.compareTo(this.retryMinBackoff) >= 0;
	}

	@AssertTrue(message = "micro.discovery.resync-interval must be zero or negative (off), or at least 1s")
	boolean isResyncIntervalOffOrAtLeastOneSecond() {
		return this.resyncInterval == null || this.resyncInterval.isNegative() || this.resyncInterval.isZero()
				|| this.resyncInterval.compareTo(Duration.ofSeconds(1)) >= 0;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public int getOrder() {
		return this.order;
	}

	public void setOrder(int order) {
		this.order = order;
	}

	public int getListPageSize() {
		return this.listPageSize;
	}

	public void setListPageSize(int listPageSize) {
		this.listPageSize = listPageSize;
	}

	public Duration getRetryMinBackoff() {
		return this.retryMinBackoff;
	}

	public void setRetryMinBackoff(Duration retryMinBackoff) {
		this.retryMinBackoff = retryMinBackoff;
	}

	public Duration getRetryMaxBackoff() {
		return this.retryMaxBackoff;
	}

	public void setRetryMaxBackoff(Duration retryMaxBackoff) {
		this.retryMaxBackoff = retryMaxBackoff;
	}

	public Duration getResyncInterval() {
		return this.resyncInterval;
	}

	public void setResyncInterval(Duration resyncInterval) {
		this.resyncInterval = resyncInterval;
	}

	public Duration getNotificationDelay() {
		return this.notificationDelay;
	}

	public void setNotificationDelay(Duration notificationDelay) {
		this.notificationDelay = notificationDelay;
	}

}
