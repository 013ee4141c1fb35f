package io.github.microspring.discovery;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The catalog's counters, and one {@code micro.discovery.instances} gauge per service while the service
 * is in the catalog: a service that leaves takes its gauge along, so the number of gauges stays bounded
 * by the services present.
 */
class CatalogMetrics implements MeterBinder {

	private final EtcdCatalog catalog;

	CatalogMetrics(EtcdCatalog catalog) {
		this.catalog = catalog;
	}

	@Override
	public void bindTo(MeterRegistry meters) {
		FunctionCounter.builder("micro.discovery.watch.restarts", this.catalog, EtcdCatalog::getWatchRestarts)
			.description("Times the watch was restarted after compaction, a halt, a lost leader or lost etcd data")
			.register(meters);
		FunctionCounter.builder("micro.discovery.skipped.values", this.catalog, EtcdCatalog::getSkippedValues)
			.description("Registry values skipped because they do not parse or miss node fields")
			.register(meters);
		FunctionCounter.builder("micro.discovery.changes", this.catalog, EtcdCatalog::getChanges)
			.description("Changes of the catalog told to listeners")
			.register(meters);
		Map<String, Gauge> gauges = new ConcurrentHashMap<>();
		// added before the first pass, so that no service can come or go unseen in between
		this.catalog.addListener((revision, services) -> services.forEach((service) -> follow(meters, gauges, service)));
		this.catalog.getServices().forEach((service) -> follow(meters, gauges, service));
	}

	private void follow(MeterRegistry meters, Map<String, Gauge> gauges, String service) {
		// compute* makes the check and the change one step per service, should binding overlap a change
		if (this.catalog.snapshot().containsKey(service)) {
			gauges.computeIfAbsent(service, (name) -> Gauge
				.builder("micro.discovery.instances", this.catalog,
						(catalog) -> catalog.snapshot().getOrDefault(name, List.of()).size())
				.tag("service", name)
				.description("Instances of a service in the catalog")
				.register(meters));
		}
		else {
			gauges.computeIfPresent(service, (name, gauge) -> {
				meters.remove(gauge);
				return null;
			});
		}
	}

}
