package io.github.microspring.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import io.netty.handler.ssl.SslContextBuilder;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.io.ApplicationResourceLoader;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.boot.ssl.pem.PemSslStore;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.StringUtils;

/**
 * The TLS material for etcd as a Boot {@link SslBundle}, either the one {@code micro.etcd.ssl.bundle} names or
 * one built from the PEM properties {@code micro.etcd.tls.*}, and how it becomes jetcd's Netty context.
 */
final class EtcdSsl {

	private static final String BUNDLE = "micro.etcd.ssl.bundle";

	private static final String TRUST_CERTIFICATES = "micro.etcd.tls.trust-certificates";

	private static final String CERTIFICATE = "micro.etcd.tls.certificate";

	private static final String PRIVATE_KEY = "micro.etcd.tls.private-key";

	private EtcdSsl() {
	}

	/**
	 * @param properties the etcd properties
	 * @param sslBundles the application's SSL bundles, or null when it has none
	 * @return the bundle to connect with, or null for plain text
	 */
	static SslBundle bundle(EtcdProperties properties, SslBundles sslBundles) {
		String name = properties.getSsl().getBundle();
		EtcdProperties.Tls tls = properties.getTls();
		if (StringUtils.hasText(name)) {
			if (tls.getTrustCertificates() != null || tls.getCertificate() != null || tls.getPrivateKey() != null) {
				throw new InvalidConfigurationPropertyValueException(BUNDLE, name,
						"Set either micro.etcd.ssl.bundle or the PEM properties micro.etcd.tls.*, not both.");
			}
			return named(name, sslBundles);
		}
		return tls.isEnabled() ? fromPem(tls, ApplicationResourceLoader.get()) : null;
	}

	private static SslBundle named(String name, SslBundles sslBundles) {
		if (sslBundles == null) {
			throw new InvalidConfigurationPropertyValueException(BUNDLE, name,
					"The application has no SSL bundles; define one under spring.ssl.bundle.pem." + name
							+ ".* or spring.ssl.bundle.jks." + name + ".*");
		}
		try {
			return sslBundles.getBundle(name);
		}
		catch (NoSuchSslBundleException ex) {
			throw new InvalidConfigurationPropertyValueException(BUNDLE, name,
					"No SSL bundle of this name; the bundles defined under spring.ssl.bundle.* are "
							+ sslBundles.getBundleNames());
		}
	}

	private static SslBundle fromPem(EtcdProperties.Tls tls, ResourceLoader resources) {
		if ((tls.getCertificate() == null) != (tls.getPrivateKey() == null)) {
			String missing = (tls.getCertificate() == null) ? CERTIFICATE : PRIVATE_KEY;
			throw new InvalidConfigurationPropertyValueException(missing, null,
					"micro.etcd.tls.certificate and micro.etcd.tls.private-key must be set together.");
		}
		PemSslStore keyStore = null;
		if (tls.getCertificate() != null) {
			List<X509Certificate> chain = certificates(tls.getCertificate(), CERTIFICATE, resources);
			keyStore = PemSslStore.of(chain, privateKey(tls.getPrivateKey(), resources));
		}
		PemSslStore trustStore = (tls.getTrustCertificates() != null)
				? PemSslStore.of(certificates(tls.getTrustCertificates(), TRUST_CERTIFICATES, resources), null) : null;
		return SslBundle.of(new PemSslStoreBundle(keyStore, trustStore));
	}

	private static List<X509Certificate> certificates(String value, String property, ResourceLoader resources) {
		List<X509Certificate> certificates;
		try {
			certificates = pem(value, property, resources).getCertificates();
		}
		catch (IllegalStateException ex) {
			throw new InvalidConfigurationPropertyValueException(property, value, ex.getMessage());
		}
		if (certificates.isEmpty()) {
			throw new InvalidConfigurationPropertyValueException(property, value, "No PEM certificate in it.");
		}
		return certificates;
	}

	private static PrivateKey privateKey(String value, ResourceLoader resources) {
		PrivateKey key;
		try {
			key = pem(value, PRIVATE_KEY, resources).getPrivateKey();
		}
		catch (IllegalStateException ex) {
			throw new InvalidConfigurationPropertyValueException(PRIVATE_KEY, value, ex.getMessage());
		}
		if (key == null) {
			throw new InvalidConfigurationPropertyValueException(PRIVATE_KEY, value, "No PEM private key in it.");
		}
		return key;
	}

	/**
	 * Reads PEM text given in the property or at the location it names, as Boot's PEM SSL properties do:
	 * {@code classpath:} and {@code file:} prefixes, a plain path being a file.
	 */
	private static PemContent pem(String value, String property, ResourceLoader resources) {
		if (PemContent.isPresentInText(value)) {
			return PemContent.of(value);
		}
		try (InputStream in = resources.getResource(value.trim()).getInputStream()) {
			return PemContent.load(in);
		}
		catch (IOException ex) {
			throw new InvalidConfigurationPropertyValueException(property, value, "Cannot read it: " + ex.getMessage());
		}
	}

	/**
	 * Gives jetcd's Netty TLS context the bundle's trust, client key (when it has one), ciphers and protocols.
	 */
	static void apply(SslBundle bundle, SslContextBuilder ssl) {
		SslManagerBundle managers = bundle.getManagers();
		ssl.trustManager(managers.getTrustManagerFactory());
		if (bundle.getStores().getKeyStore() != null) {
			ssl.keyManager(managers.getKeyManagerFactory());
		}
		SslOptions options = bundle.getOptions();
		PropertyMapper map = PropertyMapper.get().alwaysApplyingWhenNonNull();
		map.from(options.getCiphers()).as(List::of).to(ssl::ciphers);
		map.from(options.getEnabledProtocols()).to(ssl::protocols);
	}

}
