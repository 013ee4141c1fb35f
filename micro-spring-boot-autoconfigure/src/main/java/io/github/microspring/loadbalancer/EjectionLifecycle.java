package io.github.microspring.loadbalancer;

import java.io.IOException;

import io.github.microspring.deadline.DeadlineExceededException;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.ResponseData;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.util.ClassUtils;

/**
 * Feeds the outcome of every load-balanced call to {@link Ejections}: an exception (connection refused,
 * timeout, reset) or a 5xx answer is a failure, any other answer a success. Spring Cloud calls it for
 * WebClient, RestClient, RestTemplate and Gateway alike.
 */
class EjectionLifecycle implements LoadBalancerLifecycle<Object, Object, ServiceInstance> {

	private static final boolean SPRING_WEB_PRESENT = ClassUtils.isPresent("org.springframework.http.HttpStatusCode",
			EjectionLifecycle.class.getClassLoader());

	private static final boolean WEBFLUX_PRESENT = ClassUtils.isPresent(
			"org.springframework.web.reactive.function.client.ClientResponse", EjectionLifecycle.class.getClassLoader());

	private final Ejections ejections;

	EjectionLifecycle(Ejections ejections) {
		this.ejections = ejections;
	}

	@Override
	public boolean supports(Class requestContextClass, Class responseClass, Class serverTypeClass) {
		return ServiceInstance.class.isAssignableFrom(serverTypeClass);
	}

	@Override
	public void onStart(Request<Object> request) {
	}

	@Override
	public void onStartRequest(Request<Object> request, Response<ServiceInstance> lbResponse) {
	}

	@Override
	public void onComplete(CompletionContext<Object, ServiceInstance, Object> completion) {
		Response<ServiceInstance> response = completion.getLoadBalancerResponse();
		if (response == null || !response.hasServer()) {
			return;
		}
		ServiceInstance instance = response.getServer();
		switch (completion.status()) {
			case FAILED -> {
				// a call cut because the caller's deadline was spent says nothing about the instance
				if (!isDeadlineExceeded(completion.getThrowable())) {
					this.ejections.recordFailure(instance);
				}
			}
			case SUCCESS -> {
				if (isServerError(completion.getClientResponse())) {
					this.ejections.recordFailure(instance);
				}
				else {
					this.ejections.recordSuccess(instance);
				}
			}
			default -> {
			}
		}
	}

	private static boolean isDeadlineExceeded(Throwable failure) {
		return failure instanceof DeadlineExceededException
				|| (failure != null && failure.getCause() instanceof DeadlineExceededException);
	}

	static boolean isServerError(Object clientResponse) {
		return SPRING_WEB_PRESENT && HttpResponses.isServerError(clientResponse);
	}

	/**
	 * Kept apart so that an application without spring-web (a worker calling nothing over HTTP) never loads its
	 * classes: Spring introspects the lifecycle's own methods when it creates the bean.
	 */
	private static final class HttpResponses {

		static boolean isServerError(Object clientResponse) {
			HttpStatusCode status = statusOf(clientResponse);
			return status != null && status.is5xxServerError();
		}

		private static HttpStatusCode statusOf(Object clientResponse) {
			if (clientResponse instanceof ResponseData data) {
				return data.getHttpStatus();
			}
			if (clientResponse instanceof HttpStatusCode status) {
				return status;
			}
			if (clientResponse instanceof ClientHttpResponse http) {
				try {
					return http.getStatusCode();
				}
				catch (IOException ex) {
					return null;
				}
			}
			return WEBFLUX_PRESENT ? WebClientResponses.statusOf(clientResponse) : null;
		}

	}

	/**
	 * Kept apart so that WebFlux's classes are only loaded when they are there.
	 */
	private static final class WebClientResponses {

		static HttpStatusCode statusOf(Object clientResponse) {
			return (clientResponse instanceof org.springframework.web.reactive.function.client.ClientResponse response)
					? response.statusCode() : null;
		}

	}

}
