package io.github.microspring.etcd;

import java.security.cert.CertificateException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLHandshakeException;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a failed etcd call is described in logs and health.
 */
class EtcdCallsTests {

	@Test
	void describesAPlainFailureByTypeAndMessage() {
		assertThat(EtcdCalls.describe(new TimeoutException("no answer from etcd within 3000 ms")))
			.isEqualTo("TimeoutException: no answer from etcd within 3000 ms");
	}

	@Test
	void keepsOnlyTheFirstLineOfGrpcMessages() {
		StatusRuntimeException failure = Status.UNAVAILABLE.withDescription("io exception\nChannel Pipeline: [SslHandler#0]")
			.asRuntimeException();
		assertThat(EtcdCalls.describe(failure)).isEqualTo("StatusRuntimeException: UNAVAILABLE: io exception");
	}

	@Test
	void namesTheTlsPropertiesAndTheHandshakeErrorWhenTheHandshakeFailed() {
		StatusRuntimeException failure = Status.UNAVAILABLE.withDescription("io exception")
			.withCause(new SSLHandshakeException("PKIX path building failed"))
			.asRuntimeException();
		assertThat(EtcdCalls.describe(failure))
			.startsWith("StatusRuntimeException: UNAVAILABLE: io exception; SSLHandshakeException: PKIX path building failed")
			.contains("micro.etcd.ssl.bundle")
			.contains("micro.etcd.tls.*");
	}

	@Test
	void namesTheTlsPropertiesWhenACertificateIsRejected() {
		assertThat(EtcdCalls.describe(new IllegalStateException("wrapped", new CertificateException("expired"))))
			.contains("CertificateException: expired")
			.contains("micro.etcd.ssl.bundle");
	}

	@Test
	void namesTheCredentialPropertiesWhenEtcdRefusesThePassword() {
		// what etcd answers for a wrong password: INVALID_ARGUMENT, told apart by its message
		StatusRuntimeException failure = Status.INVALID_ARGUMENT
			.withDescription("etcdserver: authentication failed, invalid user ID or password")
			.asRuntimeException();
		assertThat(EtcdCalls.describe(failure)).contains("micro.etcd.username").contains("micro.etcd.password");
		assertThat(EtcdCalls.describe(Status.UNAUTHENTICATED.asRuntimeException())).contains("micro.etcd.password");
	}

	@Test
	void namesTheMessageSizePropertyWhenAnAnswerIsTooLarge() {
		StatusRuntimeException failure = Status.RESOURCE_EXHAUSTED
			.withDescription("gRPC message exceeds maximum size 1024: 2048")
			.asRuntimeException();
		assertThat(EtcdCalls.describe(failure)).contains("micro.etcd.max-inbound-message-size");
	}

	@Test
	void unrelatedFailuresNameNoProperty() {
		assertThat(EtcdCalls.describe(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException()))
			.doesNotContain("micro.etcd");
	}

}
