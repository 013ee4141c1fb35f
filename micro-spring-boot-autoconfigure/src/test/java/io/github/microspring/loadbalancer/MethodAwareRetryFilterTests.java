package io.github.microspring.loadbalancer;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.loadbalancer.LoadBalancerProperties;
import org.springframework.cloud.client.loadbalancer.reactive.RetryableExchangeFilterFunctionLoadBalancerRetryPolicy;
import org.springframework.http.HttpMethod;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which failures of a non-idempotent call are retried.
 */
class MethodAwareRetryFilterTests {

	private final MethodAwareRetryFilter.ConnectFailuresOnly policy = new MethodAwareRetryFilter.ConnectFailuresOnly(
			new RetryableExchangeFilterFunctionLoadBalancerRetryPolicy(new LoadBalancerProperties()));

	@Test
	void failureToConnectIsRetriedBecauseNothingWasSent() {
		assertThat(this.policy.retryableException(new ConnectException("Connection refused"))).isTrue();
	}

	@Test
	void failuresAfterTheRequestWentOutAreNotRetried() {
		assertThat(this.policy.retryableException(new IOException("Connection reset by peer"))).isFalse();
		assertThat(this.policy.retryableException(new TimeoutException())).isFalse();
	}

	@Test
	void statusCodesNeverCauseARetry() {
		assertThat(this.policy.canRetryOnMethod(HttpMethod.POST)).isFalse();
		assertThat(this.policy.retryableStatusCode(503)).isFalse();
	}

}
