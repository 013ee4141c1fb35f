package io.github.microspring.etcd;

import io.etcd.jetcd.ClientBuilder;

/**
 * Callback to customize the jetcd {@link ClientBuilder} before the shared client is built.
 */
@FunctionalInterface
public interface EtcdClientBuilderCustomizer {

	void customize(ClientBuilder builder);

}
