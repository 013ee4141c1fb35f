package io.github.microspring.discovery;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Discovery of services registered in etcd.
 */
@ConfigurationProperties("micro.discovery")
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
	 * How many keys one listing request reads; large catalogs are listed in pages of one revision.
	 */
	private int listPageSize = 1000;

	/**
	 * First delay before listing again after the watch failed; doubles with jitter on each failure.
	 */
	private Duration retryMinBackoff = Duration.ofMillis(100);

	/**
	 * Longest delay between attempts to list again while etcd cannot be reached.
	 */
	private Duration retryMaxBackoff = Duration.ofSeconds(5);

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

}
