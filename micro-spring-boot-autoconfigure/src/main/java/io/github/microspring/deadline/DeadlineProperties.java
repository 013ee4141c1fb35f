package io.github.microspring.deadline;

import java.time.Duration;

import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Deadline (timeout budget) carried from hop to hop, and the per-try timeout of load-balanced calls.
 */
@ConfigurationProperties("micro.deadline")
@Validated
public class DeadlineProperties {

	/**
	 * Whether to read, enforce and pass on deadlines, and to give load-balanced calls a per-try timeout.
	 */
	private boolean enabled = true;

	/**
	 * Header that carries the budget left, in milliseconds. gRPC's grpc-timeout and go-micro's Timeout
	 * (nanoseconds) are accepted too when it is absent.
	 */
	@NotEmpty
	private String header = "X-Micro-Timeout";

	/**
	 * Longest budget a request may bring; larger ones are clamped to it.
	 */
	@NotNull
	private Duration max = Duration.ofMinutes(1);

	/**
	 * Budget of requests that arrive without one (or whose budget is ignored); none when not set.
	 */
	private Duration defaultBudget;

	/**
	 * What to do with budgets that arrive with requests: honor them, or ignore them (an edge service facing
	 * callers outside).
	 */
	@NotNull
	private Inbound inbound = Inbound.HONOR;

	/**
	 * Timeout of each try of a load-balanced call (go-micro's client RequestTimeout), also without a deadline;
	 * a GET that times out is retried on the next instance.
	 */
	@NotNull
	private Duration perTryTimeout = Duration.ofSeconds(5);

	private final BlockingClients blockingClients = new BlockingClients();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getHeader() {
		return this.header;
	}

	public void setHeader(String header) {
		this.header = header;
	}

	public Duration getMax() {
		return this.max;
	}

	public void setMax(Duration max) {
		this.max = max;
	}

	public Duration getDefaultBudget() {
		return this.defaultBudget;
	}

	public void setDefaultBudget(Duration defaultBudget) {
		this.defaultBudget = defaultBudget;
	}

	public Inbound getInbound() {
		return this.inbound;
	}

	public void setInbound(Inbound inbound) {
		this.inbound = inbound;
	}

	public Duration getPerTryTimeout() {
		return this.perTryTimeout;
	}

	public void setPerTryTimeout(Duration perTryTimeout) {
		this.perTryTimeout = perTryTimeout;
	}

	public BlockingClients getBlockingClients() {
		return this.blockingClients;
	}

	public enum Inbound {

		/**
		 * Use the budget a request brings, clamped to the maximum.
		 */
		HONOR,

		/**
		 * Ignore it; the default budget applies.
		 */
		IGNORE

	}

	public static class BlockingClients {

		/**
		 * Whether RestClient and RestTemplate get the starter's request factory (one shared JDK HttpClient),
		 * which cuts each request at its per-try timeout or the deadline. Without it a blocking call is only
		 * refused once the deadline is spent, and waits as long as its own request factory lets it.
		 */
		private boolean timeouts = true;

		/**
		 * Connect timeout of the starter's request factory.
		 */
		@NotNull
		private Duration connectTimeout = Duration.ofSeconds(2);

		public boolean isTimeouts() {
			return this.timeouts;
		}

		public void setTimeouts(boolean timeouts) {
			this.timeouts = timeouts;
		}

		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

	}

}
