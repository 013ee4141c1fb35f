package io.github.microspring.registry;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.serviceregistry.Registration;

/**
 * This application's entry in the registry: one go-micro node. The port is known once the web server
 * runs.
 */
public class EtcdRegistration implements Registration {

	private final String serviceId;

	private final String version;

	private final String nodeId;

	private final String host;

	private final boolean secure;

	private final Map<String, String> nodeMetadata;

	private volatile int port;

	public EtcdRegistration(String serviceId, String version, String nodeId, String host, int port, boolean secure,
			Map<String, String> nodeMetadata) {
		this.serviceId = serviceId;
		this.version = version;
		this.nodeId = nodeId;
		this.host = host;
		this.port = port;
		this.secure = secure;
		this.nodeMetadata = Collections.unmodifiableMap(new LinkedHashMap<>(nodeMetadata));
	}

	@Override
	public String getServiceId() {
		return this.serviceId;
	}

	@Override
	public String getInstanceId() {
		return this.nodeId;
	}

	@Override
	public String getHost() {
		return this.host;
	}

	@Override
	public int getPort() {
		return this.port;
	}

	void setPort(int port) {
		this.port = port;
	}

	@Override
	public boolean isSecure() {
		return this.secure;
	}

	@Override
	public URI getUri() {
		return DefaultServiceInstance.getUri(this);
	}

	@Override
	public String getScheme() {
		return this.secure ? "https" : "http";
	}

	/**
	 * Node metadata plus {@code version}, as discovery reports it.
	 */
	@Override
	public Map<String, String> getMetadata() {
		Map<String, String> metadata = new LinkedHashMap<>(this.nodeMetadata);
		metadata.put("version", this.version);
		return metadata;
	}

	public String getVersion() {
		return this.version;
	}

	/**
	 * The go-micro record stored in etcd for this node; metadata keys sorted, as Go's encoder writes maps.
	 * @return the record
	 */
	public ServiceRecord toRecord() {
		String address = (this.host.indexOf(':') >= 0 ? "[" + this.host + "]" : this.host) + ":" + this.port;
		return new ServiceRecord(this.serviceId, this.version, Map.of(), List.of(),
				List.of(new ServiceRecord.Node(this.nodeId, address, new TreeMap<>(this.nodeMetadata))));
	}

	@Override
	public String toString() {
		return this.serviceId + "/" + this.nodeId + "@" + this.host + ":" + this.port;
	}

}
