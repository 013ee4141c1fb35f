package io.github.microspring.tracing;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.observation.Observation;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;

import org.springframework.lang.Nullable;

/**
 * Micrometer's {@link ObservationThreadLocalAccessor}, without the scope it opens for an observation that is
 * current on the thread already.
 * <p>
 * Under {@code spring.reactor.context-propagation=auto} (which metadata and deadlines set), Reactor sets the
 * request's observation on the thread at every restore point of a reactive request, some two hundred a request,
 * and sets the previous one back after each. Micrometer's accessor opens a new scope of the observation each time
 * and closes it after: with tracing, every opening makes the span current in OpenTelemetry's context and writes
 * the trace and span ids to the MDC, and every closing undoes it, although the thread holds that observation
 * already at nearly all of them. This accessor leaves the thread as it is then, and gives every other case to
 * Micrometer's: another observation, none, and a restore to an observation that is not current.
 */
final class CurrentObservationAccessor implements ThreadLocalAccessor<Observation> {

	private final ObservationThreadLocalAccessor observations;

	CurrentObservationAccessor(ObservationThreadLocalAccessor observations) {
		this.observations = observations;
	}

	/**
	 * Puts this accessor in place of Micrometer's in the global registry, which Reactor and Spring read at every
	 * restore point; once, whichever application context asks first.
	 */
	static void install(ContextRegistry registry) {
		synchronized (registry) {
			for (ThreadLocalAccessor<?> accessor : registry.getThreadLocalAccessors()) {
				if (accessor instanceof ObservationThreadLocalAccessor observations) {
					// an accessor with the same key takes the place of the one registered
					registry.registerThreadLocalAccessor(new CurrentObservationAccessor(observations));
					return;
				}
			}
		}
	}

	@Override
	public Object key() {
		return this.observations.key();
	}

	@Override
	@Nullable
	public Observation getValue() {
		return this.observations.getValue();
	}

	@Override
	public void setValue(Observation value) {
		if (value != this.observations.getValue()) {
			this.observations.setValue(value);
		}
	}

	@Override
	public void setValue() {
		this.observations.setValue();
	}

	/**
	 * The observation set before is current again: either {@link #setValue(Observation)} left it in place, or
	 * what was opened over it is closed already. Micrometer's accessor would close the scope of that observation
	 * itself here.
	 */
	@Override
	public void restore(Observation previousValue) {
		if (previousValue != this.observations.getValue()) {
			this.observations.restore(previousValue);
		}
	}

	@Override
	public void restore() {
		this.observations.restore();
	}

	@Override
	@Deprecated
	public void reset() {
		this.observations.reset();
	}

}
