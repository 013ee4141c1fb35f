package io.github.microspring.loadbalancer;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.microspring.loadbalancer.TestInstances.MutableClock;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.CompletionContext.Status;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.ResponseData;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.client.MockClientHttpResponse;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.web.reactive.function.client.ClientResponse;

import static io.github.microspring.loadbalancer.TestInstances.instances;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What counts as a failure in the outcomes Spring Cloud reports.
 */
class EjectionLifecycleTests {

	private final MutableClock clock = new MutableClock();

	private final Ejections ejections = new Ejections(this.clock, 3, Duration.ofSeconds(10), Duration.ofSeconds(60),
			50, (instance, duration) -> {
			});

	private final EjectionLifecycle lifecycle = new EjectionLifecycle(this.ejections);

	private final ServiceInstance node = instances("svc", 4).get(0);

	EjectionLifecycleTests() {
		this.ejections.instancesChanged("svc", instances("svc", 4));
	}

	@Test
	void connectionErrorsEject() {
		for (int i = 0; i < 3; i++) {
			complete(new CompletionContext<>(Status.FAILED, new ConnectException("refused"), request(),
					new DefaultResponse(this.node)));
		}
		assertThat(this.ejections.isEjected(this.node)).isTrue();
	}

	@Test
	void serverErrorsFromWebClientEject() {
		for (int i = 0; i < 3; i++) {
			complete(success(new ResponseData(ClientResponse.create(HttpStatus.SERVICE_UNAVAILABLE).build(), data())));
		}
		assertThat(this.ejections.isEjected(this.node)).isTrue();
	}

	@Test
	void serverErrorsFromRestTemplateEject() throws IOException {
		for (int i = 0; i < 3; i++) {
			complete(success(new MockClientHttpResponse(new byte[0], HttpStatus.BAD_GATEWAY)));
		}
		assertThat(this.ejections.isEjected(this.node)).isTrue();
	}

	@Test
	void clientErrorsAndSuccessesResetTheCount() {
		complete(success(new ResponseData(ClientResponse.create(HttpStatus.INTERNAL_SERVER_ERROR).build(), data())));
		complete(success(new ResponseData(ClientResponse.create(HttpStatus.INTERNAL_SERVER_ERROR).build(), data())));
		complete(success(new ResponseData(ClientResponse.create(HttpStatus.NOT_FOUND).build(), data())));
		complete(success(new ResponseData(ClientResponse.create(HttpStatus.INTERNAL_SERVER_ERROR).build(), data())));
		complete(success(new ResponseData(ClientResponse.create(HttpStatus.INTERNAL_SERVER_ERROR).build(), data())));
		assertThat(this.ejections.isEjected(this.node)).isFalse();
	}

	@Test
	void callsWithoutAnInstanceAreIgnored() {
		for (int i = 0; i < 3; i++) {
			complete(new CompletionContext<>(Status.DISCARD, request(), new EmptyResponse()));
		}
		assertThat(this.ejections.anyEjected("svc")).isFalse();
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private void complete(CompletionContext context) {
		this.lifecycle.onComplete(context);
	}

	private CompletionContext<Object, ServiceInstance, Object> success(Object clientResponse) {
		return new CompletionContext<>(Status.SUCCESS, request(), new DefaultResponse(this.node), clientResponse);
	}

	private static Request<Object> request() {
		return new DefaultRequest<>();
	}

	private static RequestData data() {
		return new RequestData(HttpMethod.GET, URI.create("http://svc/x"), new HttpHeaders(),
				new LinkedMultiValueMap<>(), Map.of());
	}

}
