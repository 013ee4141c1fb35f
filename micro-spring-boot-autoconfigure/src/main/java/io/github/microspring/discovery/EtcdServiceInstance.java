package io.github.microspring.discovery;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

/**
 * One go-micro node seen in etcd. Immutable.
 */
public final class EtcdServiceInstance implements ServiceInstance {

	private final String serviceId;

	private final String instanceId;

	private final String host;

	private final int port;

	private final boolean secure;

	private final Map<String, String> metadata;

	private final URI uri;

	EtcdServiceInstance(String serviceId, String instanceId, String host, int port, boolean secure,
			Map<String, String> metadata) {
		this.serviceId = serviceId;
		this.instanceId = instanceId;
		this.host = host;
		this.port = port;
		this.secure = secure;
		this.metadata = Map.copyOf(metadata);
		this.uri = DefaultServiceInstance.getUri(this);
	}

	@Override
	public String getServiceId() {
		return this.serviceId;
	}

	@Override
	public String getInstanceId() {
		return this.instanceId;
	}

	@Override
	public String getHost() {
		return this.host;
	}

	@Override
	public int getPort() {
		return this.port;
	}

	@Override
	public boolean isSecure() {
		return this.secure;
	}

	@Override
	public URI getUri() {
		return this.uri;
	}

	@Override
	public String getScheme() {
		return this.secure ? "https" : "http";
	}

	@Override
	public Map<String, String> getMetadata() {
		return this.metadata;
	}

	@Override
	public boolean equals(Object other) {
		return this == other || (other instanceof EtcdServiceInstance that && this.port == that.port
				&& this.secure == that.secure && this.serviceId.equals(that.serviceId)
				&& this.instanceId.equals(that.instanceId) && this.host.equals(that.host)
				&& this.metadata.equals(that.metadata));
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.serviceId, this.instanceId, this.host, this.port);
	}

	@Override
	public String toString() {
		return this.serviceId + "/" + this.instanceId + "@" + this.host + ":" + this.port;
	}

}
