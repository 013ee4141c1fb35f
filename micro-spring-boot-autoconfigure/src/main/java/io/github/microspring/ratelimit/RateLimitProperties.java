package io.github.microspring.ratelimit;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Token-bucket limits for {@link RateLimited} methods.
 */
@ConfigurationProperties("micro.ratelimit")
@Validated
public class RateLimitProperties {

	/**
	 * Whether to enforce @RateLimited annotations.
	 */
	private boolean enabled = true;

	/**
	 * Where buckets live: in this application, or in Redis so that every instance of a service shares one
	 * limit.
	 */
	private Store store = Store.LOCAL;

	/**
	 * Limit settings every limit starts from.
	 */
	@Valid
	private final Defaults defaults = new Defaults();

	/**
	 * Settings per limit name, merged over the defaults.
	 */
	private Map<String, @Valid Instance> instances = new LinkedHashMap<>();

	/**
	 * Which answer headers the server side sends.
	 */
	private final Headers headers = new Headers();

	@Valid
	private final Local local = new Local();

	@Valid
	private final Redis redis = new Redis();

	/**
	 * Resolves the settings of a limit: its instance values over the defaults.
	 * @param name the limit name
	 * @return the merged settings
	 */
	LimitSpec spec(String name) {
		Instance instance = this.instances.getOrDefault(name, new Instance());
		return new LimitSpec(name, pick(instance.getCapacity(), this.defaults.getCapacity()),
				pick(instance.getRefillTokens(), this.defaults.getRefillTokens()),
				pick(instance.getRefillPeriod(), this.defaults.getRefillPeriod()),
				pick(instance.getMaxWait(), this.defaults.getMaxWait()),
				pick(instance.getKey(), this.defaults.getKey()));
	}

	private static <T> T pick(T value, T fallback) {
		return (value != null) ? value : fallback;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Store getStore() {
		return this.store;
	}

	public void setStore(Store store) {
		this.store = store;
	}

	public Defaults getDefaults() {
		return this.defaults;
	}

	public Map<String, Instance> getInstances() {
		return this.instances;
	}

	public void setInstances(Map<String, Instance> instances) {
		this.instances = instances;
	}

	public Headers getHeaders() {
		return this.headers;
	}

	public Local getLocal() {
		return this.local;
	}

	public Redis getRedis() {
		return this.redis;
	}

	/**
	 * Where buckets live.
	 */
	public enum Store {

		/**
		 * In a bounded cache of this application.
		 */
		LOCAL,

		/**
		 * In the Redis (single, Sentinel or Cluster) that {@code spring.data.redis.*} configures.
		 */
		REDIS

	}

	/**
	 * What a call gets when Redis does not answer in time.
	 */
	public enum FailureMode {

		/**
		 * Let the call through.
		 */
		OPEN,

		/**
		 * Refuse the call: 503 on the server side, an exception on the client side.
		 */
		CLOSED

	}

	public static class Defaults {

		/**
		 * Most tokens a bucket holds: the burst a key may spend at once.
		 */
		@Positive
		private long capacity = 100;

		/**
		 * Tokens added every refill period, spread evenly over it.
		 */
		@Positive
		private long refillTokens = 100;

		/**
		 * Time in which refill-tokens are added.
		 */
		@DurationMin(nanos = 1)
		private Duration refillPeriod = Duration.ofSeconds(1);

		/**
		 * Longest time a client-side call waits for a token before it fails.
		 */
		@DurationMin(nanos = 0)
		private Duration maxWait = Duration.ofSeconds(5);

		/**
		 * SpEL expression giving the bucket key when the annotation names none; unset, one bucket per limit.
		 */
		private String key;

		public long getCapacity() {
			return this.capacity;
		}

		public void setCapacity(long capacity) {
			this.capacity = capacity;
		}

		public long getRefillTokens() {
			return this.refillTokens;
		}

		public void setRefillTokens(long refillTokens) {
			this.refillTokens = refillTokens;
		}

		public Duration getRefillPeriod() {
			return this.refillPeriod;
		}

		public void setRefillPeriod(Duration refillPeriod) {
			this.refillPeriod = refillPeriod;
		}

		public Duration getMaxWait() {
			return this.maxWait;
		}

		public void setMaxWait(Duration maxWait) {
			this.maxWait = maxWait;
		}

		public String getKey() {
			return this.key;
		}

		public void setKey(String key) {
			this.key = key;
		}

	}

	public static class Instance {

		/**
		 * Most tokens a bucket of this limit holds; unset, the default.
		 */
		@Positive
		private Long capacity;

		/**
		 * Tokens added every refill period; unset, the default.
		 */
		@Positive
		private Long refillTokens;

		/**
		 * Time in which refill-tokens are added; unset, the default.
		 */
		@DurationMin(nanos = 1)
		private Duration refillPeriod;

		/**
		 * Longest time a client-side call waits for a token; unset, the default.
		 */
		@DurationMin(nanos = 0)
		private Duration maxWait;

		/**
		 * SpEL expression giving the bucket key when the annotation names none; unset, the default.
		 */
		private String key;

		public Long getCapacity() {
			return this.capacity;
		}

		public void setCapacity(Long capacity) {
			this.capacity = capacity;
		}

		public Long getRefillTokens() {
			return this.refillTokens;
		}

		public void setRefillTokens(Long refillTokens) {
			this.refillTokens = refillTokens;
		}

		public Duration getRefillPeriod() {
			return this.refillPeriod;
		}

		public void setRefillPeriod(Duration refillPeriod) {
			this.refillPeriod = refillPeriod;
		}

		public Duration getMaxWait() {
			return this.maxWait;
		}

		public void setMaxWait(Duration maxWait) {
			this.maxWait = maxWait;
		}

		public String getKey() {
			return this.key;
		}

		public void setKey(String key) {
			this.key = key;
		}

	}

	public static class Headers {

		/**
		 * Whether refusals carry Retry-After.
		 */
		private boolean retryAfter = true;

		/**
		 * Whether answers carry the RateLimit-Policy field (quota and window).
		 */
		private boolean policy = true;

		/**
		 * Whether answers carry the RateLimit field (remaining tokens and seconds until the bucket is full).
		 */
		private boolean remaining = true;

		public boolean isRetryAfter() {
			return this.retryAfter;
		}

		public void setRetryAfter(boolean retryAfter) {
			this.retryAfter = retryAfter;
		}

		public boolean isPolicy() {
			return this.policy;
		}

		public void setPolicy(boolean policy) {
			this.policy = policy;
		}

		public boolean isRemaining() {
			return this.remaining;
		}

		public void setRemaining(boolean remaining) {
			this.remaining = remaining;
		}

	}

	public static class Local {

		/**
		 * Most buckets kept in memory; a bucket also leaves once it would be full again.
		 */
		@Positive
		private long maxBuckets = 100000;

		public long getMaxBuckets() {
			return this.maxBuckets;
		}

		public void setMaxBuckets(long maxBuckets) {
			this.maxBuckets = maxBuckets;
		}

	}

	public static class Redis {

		/**
		 * Prefix of the Redis keys of the buckets.
		 */
		@NotBlank
		private String keyPrefix = "micro:ratelimit:";

		/**
		 * Longest time a decision waits for Redis before the failure mode applies.
		 */
		@DurationMin(millis = 1)
		private Duration timeout = Duration.ofMillis(500);

		/**
		 * Most compare-and-swap retries of one decision when other instances change the bucket at the same
		 * time.
		 */
		@Min(1)
		private int maxRetries = 32;

		/**
		 * What calls get while Redis does not answer.
		 */
		private FailureMode failureMode = FailureMode.OPEN;

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public int getMaxRetries() {
			return this.maxRetries;
		}

		public void setMaxRetries(int maxRetries) {
			this.maxRetries = maxRetries;
		}

		public FailureMode getFailureMode() {
			return this.failureMode;
		}

		public void setFailureMode(FailureMode failureMode) {
			this.failureMode = failureMode;
		}

	}

}
