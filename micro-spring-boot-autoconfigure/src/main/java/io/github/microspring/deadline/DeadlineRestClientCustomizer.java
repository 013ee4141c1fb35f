package io.github.microspring.deadline;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;

import io.github.microspring.client.OutgoingRestClientCustomizer;
import io.github.microspring.client.OutgoingRestTemplateCustomizer;

import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.lang.Nullable;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * Deadline and per-try timeout on every RestClient and RestTemplate the application builds. Outside the load
 * balancer (first interceptor) a call is refused once the deadline is spent. Each try is made by
 * {@link PerTryRequestFactory}, which sends what is left and cuts the try at the smaller of that and the
 * per-try timeout; a load-balanced call gets the per-try timeout also without a deadline.
 */
class DeadlineRestClientCustomizer implements OutgoingRestClientCustomizer, OutgoingRestTemplateCustomizer {

	private final String header;

	private final Duration perTryTimeout;

	@Nullable
	private final HttpClient client;

	/**
	 * @param client the client of the request factory given to blocking clients, or {@code null} to leave
	 * theirs
	 */
	DeadlineRestClientCustomizer(String header, Duration perTryTimeout, @Nullable HttpClient client) {
		this.header = header;
		this.perTryTimeout = perTryTimeout;
		this.client = client;
	}

	@Override
	public void customize(RestClient.Builder builder) {
		boolean[] balanced = new boolean[1];
		builder.requestInterceptors((interceptors) -> {
			balanced[0] = Balancers.anyIn(interceptors);
			addFirst(interceptors);
		});
		if (this.client != null) {
			Duration perTry = balanced[0] ? this.perTryTimeout : null;
			builder.requestFactory(new PerTryRequestFactory(this.client, this.header, () -> perTry));
		}
	}

	@Override
	public void customize(RestTemplate template) {
		addFirst(template.getInterceptors());
		if (this.client != null) {
			// Spring Cloud adds its interceptor to a @LoadBalanced RestTemplate after this runs: looked at per try
			template.setRequestFactory(new PerTryRequestFactory(this.client, this.header,
					() -> Balancers.anyIn(template.getInterceptors()) ? this.perTryTimeout : null));
		}
	}

	private void addFirst(List<ClientHttpRequestInterceptor> interceptors) {
		if (interceptors.stream().noneMatch(Check.class::isInstance)) {
			interceptors.add(0, new Check(this.header, this.client == null));
		}
	}

	/**
	 * Refuses a call once the deadline is spent; sends the budget when the request factory is not ours (ours
	 * sends it per try).
	 */
	static final class Check implements ClientHttpRequestInterceptor {

		private final String header;

		private final boolean sendsHeader;

		Check(String header, boolean sendsHeader) {
			this.header = header;
			this.sendsHeader = sendsHeader;
		}

		@Override
		public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
				throws IOException {
			Deadline deadline = Deadline.current();
			if (deadline != null) {
				deadline.check(request.getMethod() + " " + request.getURI());
				if (this.sendsHeader) {
					request.getHeaders().set(this.header, DeadlineHeaders.millis(deadline.remaining()));
				}
			}
			return execution.execute(request, body);
		}

	}

}
