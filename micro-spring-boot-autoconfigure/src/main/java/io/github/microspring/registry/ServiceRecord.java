package io.github.microspring.registry;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The value stored under a registry key: go-micro's {@code registry.Service} JSON, holding the nodes
 * of one instance (one node when we write it).
 *
 * @param name service name
 * @param version service version
 * @param metadata service metadata
 * @param endpoints go-micro endpoint descriptions, kept as they are
 * @param nodes the instance's nodes
 */
public record ServiceRecord(String name, String version, Map<String, String> metadata, List<JsonNode> endpoints,
		List<Node> nodes) {

	/**
	 * One node of a service: go-micro's {@code registry.Node}.
	 *
	 * @param id node id, unique within the service
	 * @param address {@code host:port}
	 * @param metadata node metadata ({@code protocol}, {@code scheme}, {@code zone}, …)
	 */
	public record Node(String id, String address, Map<String, String> metadata) {
	}

}
