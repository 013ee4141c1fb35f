package io.github.microspring.metadata;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

class MetadataServletFilterTests {

	private final AtomicInteger dropped = new AtomicInteger();

	@Test
	void mirrorsMetadataIntoTheMdcWhileTheRequestIsServed() throws Exception {
		MetadataServletFilter filter = new MetadataServletFilter(headers(true), new MetadataRejection(431, 2, 100),
				new MetadataMdc("meta."));
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/");
		request.addHeader("X-User", "alice");
		AtomicReference<String> inMdc = new AtomicReference<>();
		AtomicReference<String> current = new AtomicReference<>();
		filter.doFilter(request, new MockHttpServletResponse(), (req, res) -> {
			inMdc.set(MDC.get("meta.X-User"));
			current.set(Metadata.current().get("x-user"));
		});
		assertThat(inMdc).hasValue("alice");
		assertThat(current).hasValue("alice");
		assertThat(MDC.get("meta.X-User")).isNull();
		assertThat(Metadata.current().isEmpty()).isTrue();
	}

	@Test
	void droppingServesTheRequestWithTheEntriesWithinTheLimits() throws Exception {
		MetadataServletFilter filter = new MetadataServletFilter(headers(false), new MetadataRejection(431, 2, 100),
				null);
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/");
		request.addHeader("X-A", "1");
		request.addHeader("X-B", "2");
		request.addHeader("X-C", "3");
		MockHttpServletResponse response = new MockHttpServletResponse();
		AtomicReference<Metadata> seen = new AtomicReference<>();
		filter.doFilter(request, response, (req, res) -> seen.set(Metadata.current()));
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(seen.get().asMap()).containsOnlyKeys("X-A", "X-B");
		assertThat(this.dropped).hasValue(1);
	}

	@Test
	void rejectingAnswersWithTheConfiguredStatusAndProblemDetails() throws Exception {
		MetadataServletFilter filter = new MetadataServletFilter(headers(true), new MetadataRejection(400, 2, 100),
				null);
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/orders");
		request.addHeader("X-A", "1");
		request.addHeader("X-B", "2");
		request.addHeader("X-C", "3");
		MockHttpServletResponse response = new MockHttpServletResponse();
		filter.doFilter(request, response, (req, res) -> res.getWriter().write("served"));
		assertThat(response.getStatus()).isEqualTo(400);
		assertThat(response.getContentType()).isEqualTo("application/problem+json");
		assertThat(response.getContentAsString()).contains("\"status\":400").contains("\"instance\":\"/orders\"")
			.doesNotContain("served");
	}

	private MetadataHeaders headers(boolean reject) {
		return new MetadataHeaders(List.of("X-*"), 2, 100, reject, this.dropped::incrementAndGet);
	}

}
