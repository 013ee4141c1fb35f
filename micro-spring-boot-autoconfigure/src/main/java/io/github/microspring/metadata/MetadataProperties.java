package io.github.microspring.metadata;

import java.util.ArrayList;
import java.util.List;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Request headers carried as metadata along the call chain.
 */
@ConfigurationProperties("micro.metadata")
@Validated
public class MetadataProperties {

	/**
	 * Whether to carry metadata from incoming requests and Kafka records to outgoing calls and records.
	 */
	private boolean enabled = true;

	/**
	 * Headers carried as metadata: exact names, or prefixes ending in '*' such as X-Meta-*. Authorization,
	 * Cookie, Host and hop-by-hop headers are carried only when named exactly.
	 */
	private List<String> headers = new ArrayList<>();

	/**
	 * Largest number of entries a request may carry.
	 */
	@Min(1)
	private int maxEntries = 16;

	/**
	 * Largest size of all names and values together.
	 */
	@NotNull
	private DataSize maxSize = DataSize.ofKilobytes(4);

	/**
	 * What happens to a request whose metadata is over a limit: reject it, or drop the entries past the limit
	 * and count them.
	 */
	@NotNull
	private OverLimit overLimit = OverLimit.REJECT;

	/**
	 * Status of the answer to a request rejected for its metadata: 431 or 400.
	 */
	@Min(400)
	@Max(431)
	private int rejectStatus = 431;

	private final Mdc mdc = new Mdc();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public List<String> getHeaders() {
		return this.headers;
	}

	public void setHeaders(List<String> headers) {
		this.headers = headers;
	}

	public int getMaxEntries() {
		return this.maxEntries;
	}

	public void setMaxEntries(int maxEntries) {
		this.maxEntries = maxEntries;
	}

	public DataSize getMaxSize() {
		return this.maxSize;
	}

	public void setMaxSize(DataSize maxSize) {
		this.maxSize = maxSize;
	}

	public OverLimit getOverLimit() {
		return this.overLimit;
	}

	public void setOverLimit(OverLimit overLimit) {
		this.overLimit = overLimit;
	}

	public int getRejectStatus() {
		return this.rejectStatus;
	}

	public void setRejectStatus(int rejectStatus) {
		this.rejectStatus = rejectStatus;
	}

	public Mdc getMdc() {
		return this.mdc;
	}

	public enum OverLimit {

		/**
		 * Answer the request with the reject status and a problem+json body.
		 */
		REJECT,

		/**
		 * Keep the entries within the limits, drop the rest and count them.
		 */
		DROP

	}

	public static class Mdc {

		/**
		 * Whether to put the metadata into the logging MDC while a request or Kafka record is handled.
		 */
		private boolean enabled;

		/**
		 * Prefix of the MDC keys, before the header name.
		 */
		private String prefix = "";

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getPrefix() {
			return this.prefix;
		}

		public void setPrefix(String prefix) {
			this.prefix = prefix;
		}

	}

}
