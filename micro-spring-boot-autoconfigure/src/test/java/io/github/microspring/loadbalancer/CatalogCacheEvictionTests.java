package io.github.microspring.loadbalancer;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.cache.Cache;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.cloud.loadbalancer.core.CachingServiceInstanceListSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Spring Cloud's cached instance lists are dropped for the services that changed in the catalog.
 */
class CatalogCacheEvictionTests {

	@Test
	void dropsTheCachedListsOfChangedServicesOnly() {
		ConcurrentMapCacheManager manager = new ConcurrentMapCacheManager(
				CachingServiceInstanceListSupplier.SERVICE_INSTANCE_CACHE_NAME);
		Cache cache = manager.getCache(CachingServiceInstanceListSupplier.SERVICE_INSTANCE_CACHE_NAME);
		cache.put("changed", List.of());
		cache.put("same", List.of());
		new CatalogCacheEviction(() -> manager).catalogChanged(7, Set.of("changed"));
		assertThat(cache.get("changed")).isNull();
		assertThat(cache.get("same")).isNotNull();
	}

	@Test
	void withoutSpringCloudsCacheThereIsNothingToDrop() {
		assertThatNoException().isThrownBy(() -> new CatalogCacheEviction(() -> null).catalogChanged(7, Set.of("a")));
	}

}
