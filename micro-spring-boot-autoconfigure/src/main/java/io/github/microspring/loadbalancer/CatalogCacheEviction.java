package io.github.microspring.loadbalancer;

import java.util.Set;
import java.util.function.Supplier;

import io.github.microspring.discovery.CatalogListener;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cloud.loadbalancer.core.CachingServiceInstanceListSupplier;

/**
 * Drops Spring Cloud LoadBalancer's cached instance list of each service whose instances changed in the etcd
 * catalog, so that services read through Spring Cloud's supplier chain (under a named configuration) see a
 * change at their next call rather than when the entry expires.
 */
class CatalogCacheEviction implements CatalogListener {

	private final Supplier<CacheManager> cacheManager;

	/**
	 * @param cacheManager Spring Cloud LoadBalancer's cache manager, or {@code null} when it caches nothing
	 */
	CatalogCacheEviction(Supplier<CacheManager> cacheManager) {
		this.cacheManager = cacheManager;
	}

	@Override
	public void catalogChanged(long revision, Set<String> services) {
		CacheManager manager = this.cacheManager.get();
		Cache cache = (manager != null)
				? manager.getCache(CachingServiceInstanceListSupplier.SERVICE_INSTANCE_CACHE_NAME) : null;
		if (cache != null) {
			services.forEach(cache::evict);
		}
	}

}
