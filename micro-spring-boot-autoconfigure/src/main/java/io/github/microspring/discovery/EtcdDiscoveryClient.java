package io.github.microspring.discovery;

import java.util.List;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * Spring Cloud {@link DiscoveryClient} answering from the watch-fed {@link EtcdCatalog}: no etcd round
 * trip on the request path.
 */
public class EtcdDiscoveryClient implements DiscoveryClient {

	private final EtcdCatalog catalog;

	private final int order;

	public EtcdDiscoveryClient(EtcdCatalog catalog, int order) {
		this.catalog = catalog;
		this.order = order;
	}

	@Override
	public String description() {
		return "etcd discovery client (go-micro registry)";
	}

	@Override
	public List<ServiceInstance> getInstances(String serviceId) {
		return this.catalog.getInstances(serviceId);
	}

	@Override
	public List<String> getServices() {
		return this.catalog.getServices();
	}

	/**
	 * The catalog's own health tells whether it is in sync; probing etcd here would add a round trip.
	 */
	@Override
	public void probe() {
		if (!this.catalog.isSynced()) {
			throw new IllegalStateException("etcd catalog not listed yet");
		}
	}

	@Override
	public int getOrder() {
		return this.order;
	}

}
