package io.github.microspring.registry;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.springframework.cloud.commons.util.InetUtils;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Decides what this application registers as: name, version, node id, address, metadata.
 */
final class RegistrationFactory {

	private RegistrationFactory() {
	}

	static EtcdRegistration create(RegistryProperties properties, Environment environment, String buildVersion,
			InetUtils inetUtils) {
		String serviceName = StringUtils.hasText(properties.getServiceName()) ? properties.getServiceName()
				: environment.getProperty("spring.application.name");
		if (!StringUtils.hasText(serviceName)) {
			throw new IllegalStateException(
					"micro.registry.service-name (or spring.application.name) must be set to register in etcd;"
							+ " set micro.registry.enabled=false to run without registering");
		}
		String version = StringUtils.hasText(properties.getVersion()) ? properties.getVersion()
				: StringUtils.hasText(buildVersion) ? buildVersion : "latest";
		String nodeId = StringUtils.hasText(properties.getNodeId()) ? properties.getNodeId()
				: serviceName + "-" + UUID.randomUUID();
		boolean secure = environment.getProperty("server.ssl.enabled", Boolean.class, false);
		Map<String, String> metadata = new LinkedHashMap<>();
		metadata.put("protocol", "http");
		metadata.put("scheme", secure ? "https" : "http");
		metadata.putAll(properties.getMetadata());
		int port = (properties.getPort() != null) ? properties.getPort() : 0;
		return new EtcdRegistration(serviceName, version, nodeId, host(properties, environment, inetUtils), port,
				secure, metadata);
	}

	/**
	 * An application bound to one address can only be reached there; any other interface of the
	 * machine would be registered in vain.
	 */
	private static String host(RegistryProperties properties, Environment environment, InetUtils inetUtils) {
		if (StringUtils.hasText(properties.getAddress())) {
			return properties.getAddress();
		}
		String bound = environment.getProperty("server.address");
		if (StringUtils.hasText(bound) && !isWildcard(bound)) {
			return bound;
		}
		InetUtils.HostInfo info = inetUtils.findFirstNonLoopbackHostInfo();
		return properties.isPreferIpAddress() ? info.getIpAddress() : info.getHostname();
	}

	private static boolean isWildcard(String address) {
		try {
			return InetAddress.getByName(address).isAnyLocalAddress();
		}
		catch (Exception ex) {
			return false;
		}
	}

}
