package io.github.microspring.loadbalancer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Load balancing between the instances of a service found in etcd.
 */
@ConfigurationProperties("micro.loadbalancer")
public class LoadBalancerProperties {

	/**
	 * Whether to balance calls to services with the round-robin load balancer fed by the etcd catalog.
	 */
	private boolean enabled = true;

	/**
	 * Failed calls in a row after which an instance is left out for a while.
	 */
	private int consecutiveFailures = 3;

	/**
	 * How long an instance is left out the first time; doubles each time it is left out again without a
	 * success in between.
	 */
	private Duration baseEjectionTime = Duration.ofSeconds(10);

	/**
	 * Longest time an instance is left out.
	 */
	private Duration maxEjectionTime = Duration.ofSeconds(60);

	/**
	 * Largest share of a service's instances, in percent, that may be left out at the same time.
	 */
	private int maxEjectionPercent = 50;

	/**
	 * Relative weight of traffic per service and version, for example comment-service.[1.0.0]=9 and
	 * comment-service.[1.1.0]=1: a version gets its weight divided by the sum of the weights of the listed
	 * versions that have instances. Versions come from the "version" metadata of instances; instances of
	 * unlisted versions get no traffic.
	 */
	private Map<String, Map<String, Integer>> versionWeights = new LinkedHashMap<>();

	/**
	 * Request header that pins a call to instances of one version.
	 */
	private String versionHeader = "X-Micro-Version";

	/**
	 * Whether to use all instances of a service when a version filter leaves none, rather than fail the
	 * call.
	 */
	private boolean fallbackToAll = true;

	/**
	 * Whether to remove the version header and Spring Cloud's hint headers from requests entering this
	 * application, so that callers outside cannot choose instances; for edge services. Services inside the
	 * mesh must keep them to pass a pin along.
	 */
	private boolean stripInboundHeaders = false;

	private final Metrics metrics = new Metrics();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public int getConsecutiveFailures() {
		return this.consecutiveFailures;
	}

	public void setConsecutiveFailures(int consecutiveFailures) {
		this.consecutiveFailures = consecutiveFailures;
	}

	public Duration getBaseEjectionTime() {
		return this.baseEjectionTime;
	}

	public void setBaseEjectionTime(Duration baseEjectionTime) {
		this.baseEjectionTime = baseEjectionTime;
	}

	public Duration getMaxEjectionTime() {
		return this.maxEjectionTime;
	}

	public void setMaxEjectionTime(Duration maxEjectionTime) {
		this.maxEjectionTime = maxEjectionTime;
	}

	public int getMaxEjectionPercent() {
		return this.maxEjectionPercent;
	}

	public void setMaxEjectionPercent(int maxEjectionPercent) {
		this.maxEjectionPercent = maxEjectionPercent;
	}

	public Map<String, Map<String, Integer>> getVersionWeights() {
		return this.versionWeights;
	}

	public void setVersionWeights(Map<String, Map<String, Integer>> versionWeights) {
		this.versionWeights = versionWeights;
	}

	public String getVersionHeader() {
		return this.versionHeader;
	}

	public void setVersionHeader(String versionHeader) {
		this.versionHeader = versionHeader;
	}

	public boolean isFallbackToAll() {
		return this.fallbackToAll;
	}

	public void setFallbackToAll(boolean fallbackToAll) {
		this.fallbackToAll = fallbackToAll;
	}

	public boolean isStripInboundHeaders() {
		return this.stripInboundHeaders;
	}

	public void setStripInboundHeaders(boolean stripInboundHeaders) {
		this.stripInboundHeaders = stripInboundHeaders;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	public static class Metrics {

		/**
		 * Whether to count choices per instance as well as per service. Instance ids change with every
		 * deploy; the meter of an instance is removed when it leaves the etcd catalog.
		 */
		private boolean perInstance = false;

		public boolean isPerInstance() {
			return this.perInstance;
		}

		public void setPerInstance(boolean perInstance) {
			this.perInstance = perInstance;
		}

	}

}
