package io.github.microspring.registry;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Keys and values of the go-micro etcd registry: {@code {prefix}/{service}/{nodeId}} holding the JSON of a
 * {@link ServiceRecord}.
 */
public final class RegistryCodec {

	private static final ObjectMapper MAPPER = JsonMapper.builder()
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.build();

	private RegistryCodec() {
	}

	/**
	 * Key of one node, as go-micro's {@code nodePath}: {@code /} inside names becomes {@code -}.
	 * @param prefix registry prefix, such as {@code /micro/registry}
	 * @param service service name
	 * @param nodeId node id
	 * @return the etcd key
	 */
	public static String key(String prefix, String service, String nodeId) {
		return servicePrefix(prefix, service) + nodeId.replace('/', '-');
	}

	/**
	 * Common prefix of the keys of one service, ending with {@code /}.
	 * @param prefix registry prefix
	 * @param service service name
	 * @return the prefix of the service's keys
	 */
	public static String servicePrefix(String prefix, String service) {
		return rootPrefix(prefix) + service.replace('/', '-') + "/";
	}

	/**
	 * The registry prefix with exactly one trailing {@code /}.
	 * @param prefix registry prefix
	 * @return the prefix to watch
	 */
	public static String rootPrefix(String prefix) {
		String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
		return trimmed + "/";
	}

	public static byte[] encode(ServiceRecord record) {
		try {
			return MAPPER.writeValueAsBytes(record);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("Cannot write registry value for " + record.name(), ex);
		}
	}

	/**
	 * Reads a registry value.
	 * @param value the bytes stored in etcd
	 * @return the record, with empty collections where the JSON had none
	 * @throws IllegalArgumentException naming what is wrong when the value is not a go-micro service
	 */
	public static ServiceRecord decode(byte[] value) {
		if (value.length == 0) {
			throw new IllegalArgumentException("empty value");
		}
		ServiceRecord record;
		try {
			record = MAPPER.readValue(value, ServiceRecord.class);
		}
		catch (IOException ex) {
			throw new IllegalArgumentException("not a go-micro service JSON: " + ex.getMessage(), ex);
		}
		if (record == null) {
			throw new IllegalArgumentException("null value");
		}
		if (record.name() == null || record.name().isBlank()) {
			throw new IllegalArgumentException("no service name");
		}
		if (record.nodes() == null || record.nodes().isEmpty()) {
			throw new IllegalArgumentException("no nodes");
		}
		return new ServiceRecord(record.name(), record.version(), orEmpty(record.metadata()),
				(record.endpoints() != null) ? record.endpoints() : List.of(), record.nodes());
	}

	private static Map<String, String> orEmpty(Map<String, String> map) {
		return (map != null) ? map : Map.of();
	}

}
