package io.github.microspring.loadbalancer;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;

import org.springframework.cloud.client.ServiceInstance;

/**
 * Tags the current span with the chosen instance, so a trace shows which node served the call.
 */
class SpanTagger implements ChoiceListener {

	static final String INSTANCE_TAG = "micro.loadbalancer.instance";

	static final String ADDRESS_TAG = "micro.loadbalancer.address";

	private final Tracer tracer;

	SpanTagger(Tracer tracer) {
		this.tracer = tracer;
	}

	@Override
	public void chosen(String serviceId, ServiceInstance instance) {
		Span span = this.tracer.currentSpan();
		if (span != null) {
			if (instance.getInstanceId() != null) {
				span.tag(INSTANCE_TAG, instance.getInstanceId());
			}
			span.tag(ADDRESS_TAG, instance.getHost() + ":" + instance.getPort());
		}
	}

}
