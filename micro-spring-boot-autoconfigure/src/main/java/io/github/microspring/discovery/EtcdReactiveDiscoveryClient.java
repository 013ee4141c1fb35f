package io.github.microspring.discovery;

import reactor.core.publisher.Flux;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;

/**
 * Spring Cloud {@link ReactiveDiscoveryClient} answering from the watch-fed {@link EtcdCatalog}.
 */
public class EtcdReactiveDiscoveryClient implements ReactiveDiscoveryClient {

	private final EtcdCatalog catalog;

	private final int order;

	public EtcdReactiveDiscoveryClient(EtcdCatalog catalog, int order) {
		this.catalog = catalog;
		this.order = order;
	}

	@Override
	public String description() {
		return "etcd reactive discovery client (go-micro registry)";
	}

	@Override
	public Flux<ServiceInstance> getInstances(String serviceId) {
		return Flux.defer(() -> Flux.fromIterable(this.catalog.getInstances(serviceId)));
	}

	@Override
	public Flux<String> getServices() {
		return Flux.defer(() -> Flux.fromIterable(this.catalog.getServices()));
	}

	@Override
	public int getOrder() {
		return this.order;
	}

}
