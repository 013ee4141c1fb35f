package io.github.microspring.discovery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.microspring.registry.RegistryCodec;
import io.github.microspring.registry.ServiceRecord;

/**
 * Turns a registry value into service instances, or says precisely why it cannot.
 */
final class CatalogEntryParser {

	private CatalogEntryParser() {
	}

	/**
	 * @param value the bytes under a registry key
	 * @return the instances the value describes, never empty
	 * @throws IllegalArgumentException naming what is wrong with the value
	 */
	static List<EtcdServiceInstance> parse(byte[] value) {
		ServiceRecord record = RegistryCodec.decode(value);
		List<EtcdServiceInstance> instances = new ArrayList<>(record.nodes().size());
		for (ServiceRecord.Node node : record.nodes()) {
			if (node == null || node.id() == null || node.id().isBlank()) {
				throw new IllegalArgumentException("a node has no id");
			}
			if (node.address() == null) {
				throw new IllegalArgumentException("node " + node.id() + " has no address");
			}
			Map<String, String> metadata = new HashMap<>((node.metadata() != null) ? node.metadata() : Map.of());
			metadata.values().removeIf(java.util.Objects::isNull);
			metadata.put("version", (record.version() != null) ? record.version() : "");
			boolean secure = "https".equalsIgnoreCase(metadata.get("scheme"))
					|| "true".equalsIgnoreCase(metadata.get("secure"));
			HostPort address = HostPort.parse(node.id(), node.address());
			instances.add(new EtcdServiceInstance(record.name(), node.id(), address.host(), address.port(), secure,
					metadata));
		}
		return instances;
	}

	private record HostPort(String host, int port) {

		static HostPort parse(String nodeId, String address) {
			int colon = address.lastIndexOf(':');
			if (colon <= 0 || colon == address.length() - 1) {
				throw new IllegalArgumentException(
						"node " + nodeId + " address '" + address + "' is not host:port");
			}
			String host = address.substring(0, colon);
			if (host.startsWith("[") && host.endsWith("]")) {
				host = host.substring(1, host.length() - 1);
			}
			int port;
			try {
				port = Integer.parseInt(address.substring(colon + 1));
			}
			catch (NumberFormatException ex) {
				port = -1;
			}
			if (port < 1 || port > 65535 || host.isBlank()) {
				throw new IllegalArgumentException(
						"node " + nodeId + " address '" + address + "' is not host:port");
			}
			return new HostPort(host, port);
		}

	}

}
