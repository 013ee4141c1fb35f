package io.github.microspring.ratelimit;

/**
 * Told of every decision; for metrics and tracing. Called on the deciding thread: must not block.
 */
interface DecisionListener {

	DecisionListener NONE = new DecisionListener() {
	};

	default void allowed(String limit) {
	}

	default void rejected(String limit) {
	}

	default void storeFailed(String limit, Throwable cause) {
	}

	static DecisionListener of(Iterable<DecisionListener> listeners) {
		java.util.List<DecisionListener> all = new java.util.ArrayList<>();
		listeners.forEach(all::add);
		if (all.isEmpty()) {
			return NONE;
		}
		if (all.size() == 1) {
			return all.get(0);
		}
		DecisionListener[] array = all.toArray(DecisionListener[]::new);
		return new DecisionListener() {

			@Override
			public void allowed(String limit) {
				for (DecisionListener listener : array) {
					listener.allowed(limit);
				}
			}

			@Override
			public void rejected(String limit) {
				for (DecisionListener listener : array) {
					listener.rejected(limit);
				}
			}

			@Override
			public void storeFailed(String limit, Throwable cause) {
				for (DecisionListener listener : array) {
					listener.storeFailed(limit, cause);
				}
			}

		};
	}

}
