package io.github.microspring.discovery;

import java.util.Set;

/**
 * Told when the catalog really changed: instances came, went or changed. Called on the catalog's own
 * listener thread, one call at a time and in revision order, with the changes of the notification delay
 * gathered into one call; a listener may block, even call etcd, without holding up the catalog or jetcd's
 * event loop, though later calls wait for it.
 */
@FunctionalInterface
public interface CatalogListener {

	/**
	 * @param revision the etcd revision the catalog reflects
	 * @param services the services whose instances changed
	 */
	void catalogChanged(long revision, Set<String> services);

}
