package io.github.microspring.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.netty.handler.ssl.SslContextBuilder;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.core.io.Resource;
import org.springframework.util.StringUtils;

/**
 * Builds the jetcd {@link Client} from {@link EtcdProperties}.
 */
final class EtcdClientFactory {

	private EtcdClientFactory() {
	}

	static Client create(EtcdProperties properties, List<EtcdClientBuilderCustomizer> customizers) {
		if (properties.getEndpoints() == null || properties.getEndpoints().isEmpty()) {
			throw new IllegalArgumentException("micro.etcd.endpoints must list at least one etcd client URL");
		}
		ClientBuilder builder = Client.builder()
			.endpoints(properties.getEndpoints().stream().map(EtcdClientFactory::endpoint).toArray(URI[]::new))
			// jetcd would otherwise queue every call until a member answers, however long that takes
			.waitForReady(false);
		PropertyMapper map = PropertyMapper.get().alwaysApplyingWhenNonNull();
		map.from(properties.getConnectTimeout()).to(builder::connectTimeout);
		map.from(properties.getUsername()).whenHasText().as(EtcdClientFactory::bytes).to(builder::user);
		map.from(properties.getPassword()).whenHasText().as(EtcdClientFactory::bytes).to(builder::password);
		EtcdProperties.Tls tls = properties.getTls();
		if (tls.isEnabled()) {
			configureTls(builder, tls);
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

	private static void configureTls(ClientBuilder builder, EtcdProperties.Tls tls) {
		try {
			builder.sslContext((SslContextBuilder ssl) -> {
				if (tls.getTrustCertificates() != null) {
					ssl.trustManager(read(tls.getTrustCertificates(), "micro.etcd.tls.trust-certificates"));
				}
				if (tls.getCertificate() != null || tls.getPrivateKey() != null) {
					if (tls.getCertificate() == null || tls.getPrivateKey() == null) {
						throw new IllegalArgumentException(
								"micro.etcd.tls.certificate and micro.etcd.tls.private-key must be set together");
					}
					ssl.keyManager(read(tls.getCertificate(), "micro.etcd.tls.certificate"),
							read(tls.getPrivateKey(), "micro.etcd.tls.private-key"));
				}
			});
		}
		catch (IOException ex) {
			throw new UncheckedIOException("micro.etcd.tls: cannot build the TLS context", ex);
		}
		if (StringUtils.hasText(tls.getAuthority())) {
			builder.authority(tls.getAuthority());
		}
	}

	private static InputStream read(Resource resource, String property) {
		try {
			return resource.getInputStream();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(property + ": cannot read " + resource, ex);
		}
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

}
