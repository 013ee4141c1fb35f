package io.github.microspring.discovery;

import java.time.Instant;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * {@code UP} while the catalog follows etcd; {@code UNKNOWN} while it serves a stale copy (or nothing
 * yet), with since when: the application keeps working on what it knows.
 */
class CatalogHealthIndicator extends AbstractHealthIndicator {

	private final EtcdCatalog catalog;

	CatalogHealthIndicator(EtcdCatalog catalog) {
		super("etcd discovery health check failed");
		this.catalog = catalog;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		Instant staleSince = this.catalog.getStaleSince();
		builder.status((staleSince == null) ? Status.UP : Status.UNKNOWN)
			.withDetail("inSync", staleSince == null)
			.withDetail("synced", this.catalog.isSynced())
			.withDetail("revision", this.catalog.getRevision())
			.withDetail("services", this.catalog.snapshot().size())
			.withDetail("watchRestarts", this.catalog.getWatchRestarts())
			.withDetail("skippedValues", this.catalog.getSkippedValues());
		if (staleSince != null) {
			builder.withDetail("staleSince", staleSince.toString());
		}
		String lastError = this.catalog.getLastError();
		if (lastError != null) {
			builder.withDetail("lastError", lastError);
		}
	}

}
