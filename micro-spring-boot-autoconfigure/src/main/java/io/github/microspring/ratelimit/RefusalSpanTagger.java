package io.github.microspring.ratelimit;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;

/**
 * Tags the current span with the limit that refused a call, so that a trace shows why it stopped.
 */
class RefusalSpanTagger implements DecisionListener {

	static final String REJECTED_TAG = "micro.ratelimit.rejected";

	private final Tracer tracer;

	RefusalSpanTagger(Tracer tracer) {
		this.tracer = tracer;
	}

	@Override
	public void rejected(String limit) {
		Span span = this.tracer.currentSpan();
		if (span != null) {
			span.tag(REJECTED_TAG, limit);
		}
	}

}
