package io.github.microspring.discovery;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.cloud.client.ServiceInstance;

/**
 * {@code /actuator/catalog}: every service and instance the catalog holds, and how fresh it is.
 */
@Endpoint(id = "catalog")
public class CatalogEndpoint {

	private final EtcdCatalog catalog;

	public CatalogEndpoint(EtcdCatalog catalog) {
		this.catalog = catalog;
	}

	@ReadOperation
	public Map<String, Object> catalog() {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("revision", this.catalog.getRevision());
		body.put("synced", this.catalog.isSynced());
		body.put("staleSince", this.catalog.getStaleSince());
		body.put("lastError", this.catalog.getLastError());
		body.put("listPageSize", this.catalog.getPageSize());
		body.put("watchRestarts", this.catalog.getWatchRestarts());
		body.put("skippedValues", this.catalog.getSkippedValues());
		Map<String, List<Map<String, Object>>> services = new TreeMap<>();
		this.catalog.snapshot().forEach((service, instances) -> services.put(service,
				instances.stream().map(CatalogEndpoint::describe).toList()));
		body.put("services", services);
		return body;
	}

	private static Map<String, Object> describe(ServiceInstance instance) {
		Map<String, Object> node = new LinkedHashMap<>();
		node.put("instanceId", instance.getInstanceId());
		node.put("uri", instance.getUri().toString());
		node.put("metadata", new TreeMap<>(instance.getMetadata()));
		return node;
	}

}
