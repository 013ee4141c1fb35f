package io.github.microspring.etcd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Connection to etcd, shared by the registry and discovery.
 */
@ConfigurationProperties("micro.etcd")
public class EtcdProperties {

	/**
	 * etcd client URLs; list every member of a cluster.
	 */
	private List<String> endpoints = new ArrayList<>(List.of("http://127.0.0.1:2379"));

	/**
	 * Key prefix under which services are registered and discovered, as in go-micro.
	 */
	private String prefix = "/micro/registry";

	/**
	 * User name for etcd authentication.
	 */
	private String username;

	/**
	 * Password for etcd authentication.
	 */
	private String password;

	/**
	 * Deadline of every single call to etcd; without one jetcd waits for the server forever.
	 */
	private Duration callTimeout = Duration.ofSeconds(3);

	/**
	 * How long to wait for a connection to an etcd member.
	 */
	private Duration connectTimeout = Duration.ofSeconds(2);

	/**
	 * Largest gRPC message accepted from etcd, such as one page of a registry listing; gRPC's own limit is
	 * 4MB.
	 */
	private DataSize maxInboundMessageSize = DataSize.ofMegabytes(16);

	private final Ssl ssl = new Ssl();

	private final Tls tls = new Tls();

	public List<String> getEndpoints() {
		return this.endpoints;
	}

	public void setEndpoints(List<String> endpoints) {
		this.endpoints = endpoints;
	}

	public String getPrefix() {
		return this.prefix;
	}

	public void setPrefix(String prefix) {
		this.prefix = prefix;
	}

	public String getUsername() {
		return this.username;
	}

	public void setUsername(String username) {
		this.username = username;
	}

	public String getPassword() {
		return this.password;
	}

	public void setPassword(String password) {
		this.password = password;
	}

	public Duration getCallTimeout() {
		return this.callTimeout;
	}

	public void setCallTimeout(Duration callTimeout) {
		this.callTimeout = callTimeout;
	}

	public Duration getConnectTimeout() {
		return this.connectTimeout;
	}

	public void setConnectTimeout(Duration connectTimeout) {
		this.connectTimeout = connectTimeout;
	}

	public DataSize getMaxInboundMessageSize() {
		return this.maxInboundMessageSize;
	}

	public void setMaxInboundMessageSize(DataSize maxInboundMessageSize) {
		this.maxInboundMessageSize = maxInboundMessageSize;
	}

	public Ssl getSsl() {
		return this.ssl;
	}

	public Tls getTls() {
		return this.tls;
	}

	public static class Ssl {

		/**
		 * Name of the SSL bundle (spring.ssl.bundle.*) holding the trust material and client certificate for
		 * etcd; turns TLS on. Use either this or micro.etcd.tls.*.
		 */
		private String bundle;

		public String getBundle() {
			return this.bundle;
		}

		public void setBundle(String bundle) {
			this.bundle = bundle;
		}

	}

	public static class Tls {

		/**
		 * Whether to connect to etcd over TLS with the PEM properties below; not needed with
		 * micro.etcd.ssl.bundle.
		 */
		private boolean enabled;

		/**
		 * Location or content of the PEM certificates of the authorities that sign the etcd server
		 * certificates; the JVM's trust store when not set. A plain path is a file.
		 */
		private String trustCertificates;

		/**
		 * Location or content of the PEM certificate chain presented to etcd for client-certificate
		 * authentication. A plain path is a file.
		 */
		private String certificate;

		/**
		 * Location or content of the PEM private key of the client certificate. A plain path is a file.
		 */
		private String privateKey;

		/**
		 * Authority (host name) to verify the server certificate against, when it differs from the
		 * endpoint host; applies to micro.etcd.ssl.bundle too.
		 */
		private String authority;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getTrustCertificates() {
			return this.trustCertificates;
		}

		public void setTrustCertificates(String trustCertificates) {
			this.trustCertificates = trustCertificates;
		}

		public String getCertificate() {
			return this.certificate;
		}

		public void setCertificate(String certificate) {
			this.certificate = certificate;
		}

		public String getPrivateKey() {
			return this.privateKey;
		}

		public void setPrivateKey(String privateKey) {
			this.privateKey = privateKey;
		}

		public String getAuthority() {
			return this.authority;
		}

		public void setAuthority(String authority) {
			this.authority = authority;
		}

	}

}
