package io.github.microspring.ratelimit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code micro.ratelimit.decisions{name, result=allowed|rejected}} and
 * {@code micro.ratelimit.store.errors{name}}; tagged by limit name only (names are few, keys are not).
 */
class DecisionMetrics implements DecisionListener {

	static final String DECISIONS = "micro.ratelimit.decisions";

	static final String STORE_ERRORS = "micro.ratelimit.store.errors";

	private final MeterRegistry registry;

	private final Map<String, Counter> allowed = new ConcurrentHashMap<>();

	private final Map<String, Counter> rejected = new ConcurrentHashMap<>();

	private final Map<String, Counter> errors = new ConcurrentHashMap<>();

	DecisionMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void allowed(String limit) {
		counter(this.allowed, limit, DECISIONS, "allowed").increment();
	}

	@Override
	public void rejected(String limit) {
		counter(this.rejected, limit, DECISIONS, "rejected").increment();
	}

	@Override
	public void storeFailed(String limit, Throwable cause) {
		counter(this.errors, limit, STORE_ERRORS, null).increment();
	}

	private Counter counter(Map<String, Counter> counters, String limit, String meter, String result) {
		Counter counter = counters.get(limit);
		if (counter != null) {
			return counter;
		}
		return counters.computeIfAbsent(limit, (name) -> {
			Counter.Builder builder = Counter.builder(meter).tag("name", name);
			if (result != null) {
				builder.tag("result", result).description("Rate-limit decisions");
			}
			else {
				builder.description("Rate-limit decisions the store could not make");
			}
			return builder.register(this.registry);
		});
	}

}
