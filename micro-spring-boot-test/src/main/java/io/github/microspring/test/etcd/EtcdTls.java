package io.github.microspring.test.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority of its own, a server certificate for etcd on 127.0.0.1 / localhost and a client
 * certificate, generated in memory (EC P-256) and written as PEM files to a temporary folder, for an etcd
 * that requires client certificates ({@link EtcdServer#startWithTls(EtcdTls)}) and for the applications
 * that talk to it.
 */
public final class EtcdTls implements AutoCloseable {

	private static final Duration VALIDITY = Duration.ofDays(2);

	private static final AtomicLong serials = new AtomicLong(System.currentTimeMillis());

	private final Path dir;

	private final X509Certificate ca;

	private final KeyPair clientKey;

	private final X509Certificate client;

	private EtcdTls(Path dir, X509Certificate ca, KeyPair clientKey, X509Certificate client) {
		this.dir = dir;
		this.ca = ca;
		this.clientKey = clientKey;
		this.client = client;
	}

	/**
	 * Generates a new authority with its server and client certificates and writes them to a new temporary
	 * folder: {@code ca.pem}, {@code server.pem}, {@code server-key.pem}, {@code client.pem},
	 * {@code client-key.pem}; keys are PKCS#8.
	 * @return the generated material
	 */
	public static EtcdTls generate() {
		try {
			Path dir = Files.createTempDirectory("etcd-tls-");
			KeyPair caKey = keyPair();
			X500Name caName = new X500Name("CN=micro-spring-boot-test CA " + serials.incrementAndGet());
			X509Certificate ca = sign(certificate(caName, caName, caKey, true)
				.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)), caKey);
			KeyPair serverKey = keyPair();
			// etcd's own JSON gateway dials its gRPC port with the server certificate, so it serves as a client too
			X509Certificate server = sign(certificate(caName, new X500Name("CN=etcd"), serverKey, false)
				.addExtension(Extension.extendedKeyUsage, false,
						new ExtendedKeyUsage(new KeyPurposeId[] { KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth }))
				.addExtension(Extension.subjectAlternativeName, false,
						new GeneralNames(new GeneralName[] { new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
								new GeneralName(GeneralName.dNSName, "localhost") })),
					caKey);
			KeyPair clientKey = keyPair();
			X509Certificate client = sign(certificate(caName, new X500Name("CN=root"), clientKey, false)
				.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)),
					caKey);
			write(dir.resolve("ca.pem"), pem("CERTIFICATE", ca.getEncoded()));
			write(dir.resolve("server.pem"), pem("CERTIFICATE", server.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()));
			write(dir.resolve("server-key.pem"), pem("PRIVATE KEY", serverKey.getPrivate().getEncoded()));
			write(dir.resolve("client.pem"), pem("CERTIFICATE", client.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()));
			write(dir.resolve("client-key.pem"), pem("PRIVATE KEY", clientKey.getPrivate().getEncoded()));
			return new EtcdTls(dir, ca, clientKey, client);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (GeneralSecurityException | OperatorCreationException ex) {
			throw new IllegalStateException("Cannot generate test certificates", ex);
		}
	}

	/** @return the folder holding the PEM files */
	public Path dir() {
		return this.dir;
	}

	/** @return PEM of the authority that signed both certificates */
	public Path caCertificate() {
		return this.dir.resolve("ca.pem");
	}

	/** @return PEM chain of the server certificate (SAN IP 127.0.0.1, DNS localhost) */
	public Path serverCertificate() {
		return this.dir.resolve("server.pem");
	}

	/** @return PKCS#8 PEM of the server key */
	public Path serverKey() {
		return this.dir.resolve("server-key.pem");
	}

	/** @return PEM chain of the client certificate (CN root) */
	public Path clientCertificate() {
		return this.dir.resolve("client.pem");
	}

	/** @return PKCS#8 PEM of the client key */
	public Path clientKey() {
		return this.dir.resolve("client-key.pem");
	}

	/**
	 * @return a TLS context that trusts the authority and presents the client certificate, for plain JDK
	 * clients such as {@link java.net.http.HttpClient}
	 */
	public SSLContext clientSslContext() {
		try {
			char[] password = new char[0];
			KeyStore keys = KeyStore.getInstance("PKCS12");
			keys.load(null, null);
			keys.setKeyEntry("client", this.clientKey.getPrivate(), password,
					new X509Certificate[] { this.client, this.ca });
			KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
			keyManagers.init(keys, password);
			KeyStore trusted = KeyStore.getInstance("PKCS12");
			trusted.load(null, null);
			trusted.setCertificateEntry("ca", this.ca);
			TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
			trustManagers.init(trusted);
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), new SecureRandom());
			return context;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("Cannot build the client TLS context", ex);
		}
	}

	/**
	 * Deletes the folder.
	 */
	@Override
	public void close() {
		EtcdServer.delete(this.dir);
	}

	private static KeyPair keyPair() throws GeneralSecurityException {
		KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
		generator.initialize(new ECGenParameterSpec("secp256r1"));
		return generator.generateKeyPair();
	}

	private static X509v3CertificateBuilder certificate(X500Name issuer, X500Name subject, KeyPair key, boolean ca)
			throws CertIOException {
		Instant now = Instant.now();
		return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(serials.incrementAndGet()),
				Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, key.getPublic())
			.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
	}

	private static X509Certificate sign(X509v3CertificateBuilder certificate, KeyPair issuerKey)
			throws OperatorCreationException, GeneralSecurityException {
		PrivateKey signer = issuerKey.getPrivate();
		return new JcaX509CertificateConverter()
			.getCertificate(certificate.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
	}

	private static String pem(String type, byte[] der) {
		return "-----BEGIN " + type + "-----\n"
				+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
				+ "\n-----END " + type + "-----\n";
	}

	private static void write(Path file, String content) throws IOException {
		Files.writeString(file, content, StandardCharsets.US_ASCII);
	}

	@Override
	public String toString() {
		return "test certificates in " + this.dir;
	}

}
