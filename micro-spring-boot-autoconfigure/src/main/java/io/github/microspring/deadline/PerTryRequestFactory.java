package io.github.microspring.deadline;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.JdkClientHttpRequestFactory;

/**
 * Request factory of blocking clients that cuts each request at its own timeout: the smaller of what is
 * left of the deadline and the per-try timeout. An interceptor cannot cut a blocking read; a request of the
 * JDK {@link HttpClient} carries its own timeout, so one client is shared and a cheap factory is made per
 * request. Sends the budget left on each try, and turns a timeout that spent the deadline into a
 * {@link DeadlineExceededException}.
 */
final class PerTryRequestFactory implements ClientHttpRequestFactory {

	private final HttpClient client;

	private final String header;

	private final Supplier<Duration> perTryTimeout;

	/**
	 * Writes streamed request bodies; Spring's factory would make one per factory, so per request here.
	 */
	private final Executor bodyWriter;

	PerTryRequestFactory(HttpClient client, String header, Supplier<Duration> perTryTimeout) {
		this.client = client;
		this.header = header;
		this.perTryTimeout = perTryTimeout;
		this.bodyWriter = client.executor().orElseGet(() -> new SimpleAsyncTaskExecutor("micro-http-body-"));
	}

	@Override
	public ClientHttpRequest createRequest(URI uri, HttpMethod method) throws IOException {
		Deadline deadline = Deadline.current();
		Duration timeout = this.perTryTimeout.get();
		if (deadline != null) {
			deadline.check(method + " " + uri);
			Duration remaining = deadline.remaining();
			if (timeout == null || remaining.compareTo(timeout) < 0) {
				timeout = remaining;
			}
		}
		JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(this.client, this.bodyWriter);
		if (timeout != null) {
			factory.setReadTimeout(timeout);
		}
		ClientHttpRequest request = factory.createRequest(uri, method);
		return (deadline != null) ? new Budgeted(request, deadline, this.header) : request;
	}

	private static final class Budgeted implements ClientHttpRequest {

		private final ClientHttpRequest delegate;

		private final Deadline deadline;

		private final String header;

		Budgeted(ClientHttpRequest delegate, Deadline deadline, String header) {
			this.delegate = delegate;
			this.deadline = deadline;
			this.header = header;
		}

		@Override
		public ClientHttpResponse execute() throws IOException {
			Duration remaining = this.deadline.remaining();
			if (remaining.isZero()) {
				throw new DeadlineExceededException("Deadline exceeded before " + getMethod() + " " + getURI());
			}
			// set here, after the intercepting request copied its headers, so that only this value is sent
			this.delegate.getHeaders().set(this.header, DeadlineHeaders.millis(remaining));
			try {
				return this.delegate.execute();
			}
			catch (IOException ex) {
				if (this.deadline.isExpired()) {
					throw new DeadlineExceededException("Deadline exceeded during " + getMethod() + " " + getURI(), ex);
				}
				throw ex;
			}
		}

		@Override
		public OutputStream getBody() throws IOException {
			return this.delegate.getBody();
		}

		@Override
		public HttpMethod getMethod() {
			return this.delegate.getMethod();
		}

		@Override
		public URI getURI() {
			return this.delegate.getURI();
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.delegate.getHeaders();
		}

		@Override
		public Map<String, Object> getAttributes() {
			return this.delegate.getAttributes();
		}

	}

}
