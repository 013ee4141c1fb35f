package io.github.microspring.etcd;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;

import javax.net.ssl.SSLException;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.netty.handler.ssl.SslContextBuilder;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.util.unit.DataSize;

/**
 * Builds the jetcd {@link Client} from {@link EtcdProperties}.
 */
final class EtcdClientFactory {

	private EtcdClientFactory() {
	}

	/**
	 * @param properties the etcd properties
	 * @param sslBundles the application's SSL bundles, or null when it has none
	 * @param customizers applied last
	 * @return the client, not yet connected
	 */
	static Client create(EtcdProperties properties, SslBundles sslBundles,
			List<EtcdClientBuilderCustomizer> customizers) {
		if (properties.getEndpoints() == null || properties.getEndpoints().isEmpty()) {
			throw new IllegalArgumentException("micro.etcd.endpoints must list at least one etcd client URL");
		}
		ClientBuilder builder = Client.builder()
			.endpoints(properties.getEndpoints().stream().map(EtcdClientFactory::endpoint).toArray(URI[]::new))
			// jetcd would otherwise queue every call until a member answers, however long that takes
			.waitForReady(false);
		PropertyMapper map = PropertyMapper.get().alwaysApplyingWhenNonNull();
		map.from(properties.getConnectTimeout()).to(builder::connectTimeout);
		map.from(properties.getCallTimeout()).to((timeout) -> retryWithin(builder, timeout));
		map.from(properties.getUsername()).whenHasText().as(EtcdClientFactory::bytes).to(builder::user);
		map.from(properties.getPassword()).whenHasText().as(EtcdClientFactory::bytes).to(builder::password);
		map.from(properties.getMaxInboundMessageSize())
			.as(EtcdClientFactory::maxInboundMessageSize)
			.to(builder::maxInboundMessageSize);
		SslBundle ssl = EtcdSsl.bundle(properties, sslBundles);
		if (ssl != null) {
			configureTls(builder, ssl);
			map.from(properties.getTls().getAuthority()).whenHasText().to(builder::authority);
		}
		customizers.forEach((customizer) -> customizer.customize(builder));
		return builder.build();
	}

	private static URI endpoint(String endpoint) {
		URI uri;
		try {
			uri = URI.create(endpoint.trim());
		}
		catch (IllegalArgumentException ex) {
			uri = null;
		}
		if (uri == null || uri.getHost() == null || uri.getPort() < 0) {
			throw new IllegalArgumentException("micro.etcd.endpoints: '" + endpoint
					+ "' is not an etcd client URL with host and port, such as http://127.0.0.1:2379");
		}
		return uri;
	}

	/**
	 * jetcd stops retrying a call halfway through our deadline, so the caller sees etcd's own error (a TLS
	 * or authentication failure) instead of a timeout that hides it. Failsafe wants the first retry delay
	 * shorter than that bound.
	 */
	private static void retryWithin(ClientBuilder builder, Duration callTimeout) {
		Duration retryFor = callTimeout.dividedBy(2);
		long firstDelay = Math.min(builder.retryDelay(), retryFor.toMillis() / 2);
		if (builder.retryChronoUnit() == ChronoUnit.MILLIS && firstDelay > 0) {
			builder.retryDelay(firstDelay).retryMaxDuration(retryFor);
		}
	}

	private static void configureTls(ClientBuilder builder, SslBundle bundle) {
		try {
			builder.sslContext((SslContextBuilder ssl) -> EtcdSsl.apply(bundle, ssl));
		}
		catch (SSLException ex) {
			throw new IllegalStateException("micro.etcd: cannot build the TLS context for etcd: " + ex.getMessage(), ex);
		}
	}

	private static Integer maxInboundMessageSize(DataSize size) {
		long bytes = size.toBytes();
		if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
			throw new InvalidConfigurationPropertyValueException("micro.etcd.max-inbound-message-size", size,
					"Must be more than 0 and less than 2GB.");
		}
		return (int) bytes;
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

}
