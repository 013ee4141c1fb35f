package io.github.microspring.registry;

/**
 * What a watch already knows about our own registry key, so that the periodic re-registration check
 * costs etcd nothing while the watch is in sync (go-micro's per-interval calls became an authentication
 * storm at thousands of instances).
 */
@FunctionalInterface
public interface RegisteredKeyView {

	/**
	 * Whether the key is known to be present under the lease.
	 * @param key the registry key
	 * @param leaseId the lease the key should be attached to
	 * @return what the view knows, {@link Presence#UNKNOWN} when it is not in sync with etcd
	 */
	Presence presence(String key, long leaseId);

	enum Presence {

		/** The key is there, attached to the lease. */
		PRESENT,

		/** The key is missing or attached to another lease. */
		ABSENT,

		/** Not known without asking etcd. */
		UNKNOWN

	}

}
