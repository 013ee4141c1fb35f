package io.github.microspring.discovery;

import java.util.Set;

/**
 * Told when the catalog really changed: instances came, went or changed.
 */
@FunctionalInterface
public interface CatalogListener {

	/**
	 * @param revision the etcd revision the catalog reflects
	 * @param services the services whose instances changed
	 */
	void catalogChanged(long revision, Set<String> services);

}
