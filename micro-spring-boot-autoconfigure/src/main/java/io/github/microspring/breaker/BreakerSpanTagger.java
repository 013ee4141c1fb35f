package io.github.microspring.breaker;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationListener;

/**
 * Tags the current span with a breaker's state change, so the trace of the call that opened or closed a breaker
 * shows it.
 */
class BreakerSpanTagger implements ApplicationListener<BreakerStateChangedEvent> {

	static final String NAME_TAG = "micro.breaker.name";

	static final String STATE_TAG = "micro.breaker.state";

	private final ObjectProvider<Tracer> tracer;

	/**
	 * Looks the tracer up at each change (they are rare) rather than ordering this after tracing's
	 * auto-configuration.
	 */
	BreakerSpanTagger(ObjectProvider<Tracer> tracer) {
		this.tracer = tracer;
	}

	@Override
	public void onApplicationEvent(BreakerStateChangedEvent event) {
		Tracer tracer = this.tracer.getIfAvailable();
		Span span = (tracer != null) ? tracer.currentSpan() : null;
		if (span != null) {
			span.tag(NAME_TAG, event.getName());
			span.tag(STATE_TAG, event.getTo().name());
			span.event("breaker " + event.getName() + " " + event.getFrom() + " -> " + event.getTo());
		}
	}

}
