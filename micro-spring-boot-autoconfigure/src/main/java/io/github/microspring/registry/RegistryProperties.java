package io.github.microspring.registry;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Registration of this application in etcd.
 */
@ConfigurationProperties("micro.registry")
@Validated
public class RegistryProperties {

	/**
	 * Whether to register this application in etcd.
	 */
	private boolean enabled = true;

	/**
	 * Service name others discover this application by. Defaults to spring.application.name.
	 */
	private String serviceName;

	/**
	 * Service version, used for canary routing. Defaults to the build version, else "latest".
	 */
	private String version;

	/**
	 * Node id, unique within the service. Defaults to the service name and a random UUID, fixed for the
	 * life of the process.
	 */
	private String nodeId;

	/**
	 * Host name or IP address others reach this instance at. Defaults to server.address when the web
	 * server is bound to one address, else this machine's first non-loopback address.
	 */
	private String address;

	/**
	 * Whether the default address is an IP address rather than a host name.
	 */
	private boolean preferIpAddress = true;

	/**
	 * Port others reach this instance at. Defaults to the port of the running web server.
	 */
	@Min(1)
	@Max(65535)
	private Integer port;

	/**
	 * Node metadata, such as zone or weight.
	 */
	private Map<String, String> metadata = new LinkedHashMap<>();

	/**
	 * How long the registration lease lives without a heartbeat; bounds how long a crashed instance stays
	 * visible to clients (go-micro's RegisterTTL). At least 2 s: etcd silently raises shorter TTLs to its
	 * minimum.
	 */
	@NotNull
	@DurationMin(seconds = 2)
	private Duration leaseTtl = Duration.ofSeconds(10);

	/**
	 * How often to check that the registration is still in etcd and repair it (go-micro's
	 * RegisterInterval).
	 */
	@NotNull
	@DurationMin(millis = 1)
	private Duration registerInterval = Duration.ofSeconds(5);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getServiceName() {
		return this.serviceName;
	}

	public void setServiceName(String serviceName) {
		this.serviceName = serviceName;
	}

	public String getVersion() {
		return this.version;
	}

	public void setVersion(String version) {
		this.version = version;
	}

	public String getNodeId() {
		return this.nodeId;
	}

	public void setNodeId(String nodeId) {
		this.nodeId = nodeId;
	}

	public String getAddress() {
		return this.address;
	}

	public void setAddress(String address) {
		this.address = address;
	}

	public boolean isPreferIpAddress() {
		return this.preferIpAddress;
	}

	public void setPreferIpAddress(boolean preferIpAddress) {
		this.preferIpAddress = preferIpAddress;
	}

	public Integer getPort() {
		return this.port;
	}

	public void setPort(Integer port) {
		this.port = port;
	}

	public Map<String, String> getMetadata() {
		return this.metadata;
	}

	public void setMetadata(Map<String, String> metadata) {
		this.metadata = metadata;
	}

	public Duration getLeaseTtl() {
		return this.leaseTtl;
	}

	public void setLeaseTtl(Duration leaseTtl) {
		this.leaseTtl = leaseTtl;
	}

	public Duration getRegisterInterval() {
		return this.registerInterval;
	}

	public void setRegisterInterval(Duration registerInterval) {
		this.registerInterval = registerInterval;
	}

}
