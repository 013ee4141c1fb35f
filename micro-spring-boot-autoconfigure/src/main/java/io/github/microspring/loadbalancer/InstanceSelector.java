package io.github.microspring.loadbalancer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.lang.Nullable;

/**
 * Chooses one instance of a service: narrows the list to one version (pinned by the caller or drawn by
 * the configured weights), leaves out ejected instances and the one a retry comes from, and takes the next
 * of what remains round robin.
 * <p>
 * What is derived from an instance list (versions, weights) is kept until the catalog hands out another
 * list object for the service, so the common choice neither allocates nor locks.
 */
class InstanceSelector {

	static final String VERSION = "version";

	static final String ZONE = "zone";

	static final String WEIGHT = "weight";

	static final String HINT = "hint";

	/** Caps the length of the weighted sequence of a group. */
	static final int MAX_WEIGHT = 100;

	private final Ejections ejections;

	private final Map<String, Map<String, Integer>> versionWeights;

	private final boolean fallbackToAll;

	private final Map<String, ServiceState> services = new ConcurrentHashMap<>();

	private final IntSupplier startPositions;

	@Nullable
	private final String zone;

	InstanceSelector(Ejections ejections, Map<String, Map<String, Integer>> versionWeights, boolean fallbackToAll) {
		this(ejections, versionWeights, fallbackToAll, null);
	}

	/**
	 * @param zone zone of this application ({@code spring.cloud.loadbalancer.zone}): instances whose "zone"
	 * metadata matches are preferred, or {@code null}
	 */
	InstanceSelector(Ejections ejections, Map<String, Map<String, Integer>> versionWeights, boolean fallbackToAll,
			@Nullable String zone) {
		// random start, so that a fleet of clients started together does not hit the same instance first
		this(ejections, versionWeights, fallbackToAll, zone,
				() -> ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE));
	}

	InstanceSelector(Ejections ejections, Map<String, Map<String, Integer>> versionWeights, boolean fallbackToAll,
			@Nullable String zone, IntSupplier startPositions) {
		this.startPositions = startPositions;
		this.zone = (zone != null && !zone.isBlank()) ? zone : null;
		this.ejections = ejections;
		this.versionWeights = Map.copyOf(versionWeights);
		this.fallbackToAll = fallbackToAll;
	}

	@Nullable
	ServiceInstance choose(String serviceId, List<ServiceInstance> instances, @Nullable String pinnedVersion,
			@Nullable ServiceInstance previous) {
		return choose(serviceId, instances, pinnedVersion, null, previous);
	}

	/**
	 * @param serviceId service the instances belong to
	 * @param instances current instances, as the discovery client returns them
	 * @param pinnedVersion version the caller asked for, or {@code null}
	 * @param hint Spring Cloud's hint for the call: instances whose "hint" metadata matches are preferred,
	 * or {@code null}
	 * @param previous instance a retry comes from, or {@code null}
	 * @return the chosen instance, {@code null} when there is none
	 * @throws NoMatchingInstanceException when a version filter leaves no instance and falling back to all
	 * is off
	 */
	@Nullable
	ServiceInstance choose(String serviceId, List<ServiceInstance> instances, @Nullable String pinnedVersion,
			@Nullable String hint, @Nullable ServiceInstance previous) {
		if (instances == null || instances.isEmpty()) {
			return null;
		}
		ServiceState state = state(serviceId);
		Snapshot snapshot = state.snapshot(serviceId, instances);
		Group group = snapshot.group(serviceId, pinnedVersion, this.fallbackToAll);
		if (hint != null) {
			group = group.hinted(hint);
		}
		ServiceInstance[] candidates = group.instances;
		// ignore the sign bit, so the position loops from 0 to MAX_VALUE
		int position = group.position.getAndIncrement() & Integer.MAX_VALUE;
		if (candidates.length == 1) {
			return candidates[0];
		}
		if (previous == null && !this.ejections.anyEjected(serviceId)) {
			return candidates[position % candidates.length];
		}
		ServiceInstance[] usable = usable(candidates, previous);
		return usable[position % usable.length];
	}

	/**
	 * Candidates that are neither ejected nor the previous instance; if that leaves none, the ones that are
	 * not ejected; if none, all of them.
	 */
	private ServiceInstance[] usable(ServiceInstance[] candidates, @Nullable ServiceInstance previous) {
		List<ServiceInstance> healthy = new ArrayList<>(candidates.length);
		ServiceInstance healthyPrevious = null;
		for (ServiceInstance candidate : candidates) {
			if (this.ejections.isEjected(candidate)) {
				continue;
			}
			if (previous != null && isSame(candidate, previous)) {
				healthyPrevious = candidate;
				continue;
			}
			healthy.add(candidate);
		}
		if (healthy.isEmpty()) {
			return (healthyPrevious != null) ? new ServiceInstance[] { healthyPrevious } : candidates;
		}
		return healthy.toArray(new ServiceInstance[0]);
	}

	private static boolean isSame(ServiceInstance a, ServiceInstance b) {
		return a.getInstanceId() != null ? a.getInstanceId().equals(b.getInstanceId())
				: a.getHost().equals(b.getHost()) && a.getPort() == b.getPort();
	}

	private ServiceState state(String serviceId) {
		ServiceState state = this.services.get(serviceId);
		return (state != null) ? state : this.services.computeIfAbsent(serviceId,
				(id) -> new ServiceState(this.versionWeights.getOrDefault(id, Collections.emptyMap())));
	}

	private final class ServiceState {

		final AtomicInteger position = new AtomicInteger(InstanceSelector.this.startPositions.getAsInt());

		final Map<String, AtomicInteger> versionPositions = new ConcurrentHashMap<>();

		final Map<String, Integer> weights;

		volatile Snapshot snapshot;

		ServiceState(Map<String, Integer> weights) {
			this.weights = weights;
		}

		Snapshot snapshot(String serviceId, List<ServiceInstance> instances) {
			Snapshot current = this.snapshot;
			if (current != null && current.source == instances) {
				return current;
			}
			Snapshot fresh = new Snapshot(instances, this, InstanceSelector.this.zone);
			this.snapshot = fresh;
			InstanceSelector.this.ejections.instancesChanged(serviceId, instances);
			return fresh;
		}

		AtomicInteger versionPosition(String version) {
			return this.versionPositions.computeIfAbsent(version,
					(v) -> new AtomicInteger(InstanceSelector.this.startPositions.getAsInt()));
		}

	}

	/**
	 * Instances to choose from, the position that goes round them, and its subgroups by hint, derived when
	 * first asked for.
	 */
	private record Group(ServiceInstance[] instances, AtomicInteger position, Map<String, Group> byHint) {

		Group(ServiceInstance[] instances, AtomicInteger position) {
			this(instances, position, new ConcurrentHashMap<>());
		}

		/**
		 * The instances whose "hint" metadata is the given hint, if there are any, like Spring Cloud's
		 * hint-based supplier.
		 */
		Group hinted(String hint) {
			Group hinted = this.byHint.get(hint);
			if (hinted != null) {
				return hinted;
			}
			return this.byHint.computeIfAbsent(hint, (h) -> {
				List<ServiceInstance> matching = new ArrayList<>();
				for (ServiceInstance instance : this.instances) {
					if (h.equals(instance.getMetadata().get(HINT))) {
						matching.add(instance);
					}
				}
				return matching.isEmpty() ? this
						: new Group(matching.toArray(new ServiceInstance[0]), this.position, Map.of());
			});
		}

	}

	private static final class Snapshot {

		final List<ServiceInstance> source;

		final Group all;

		final Map<String, Group> byVersion;

		/** Versions with a weight and at least one instance, and their cumulative weights. */
		final Group[] weighted;

		final int[] cumulative;

		final int totalWeight;

		final boolean hasWeights;

		Snapshot(List<ServiceInstance> source, ServiceState state, @Nullable String zone) {
			this.source = source;
			this.all = new Group(weighted(preferZone(source, zone)), state.position);
			Map<String, List<ServiceInstance>> versions = new LinkedHashMap<>();
			for (ServiceInstance instance : source) {
				String version = instance.getMetadata().get(VERSION);
				if (version != null) {
					versions.computeIfAbsent(version, (v) -> new ArrayList<>()).add(instance);
				}
			}
			this.byVersion = new LinkedHashMap<>();
			versions.forEach((version, members) -> this.byVersion.put(version,
					new Group(weighted(preferZone(members, zone)), state.versionPosition(version))));
			List<Group> weightedGroups = new ArrayList<>();
			List<Integer> cumulativeWeights = new ArrayList<>();
			int total = 0;
			for (Map.Entry<String, Integer> weight : state.weights.entrySet()) {
				Group group = this.byVersion.get(weight.getKey());
				if (group != null && weight.getValue() != null && weight.getValue() > 0) {
					total += weight.getValue();
					weightedGroups.add(group);
					cumulativeWeights.add(total);
				}
			}
			this.hasWeights = !state.weights.isEmpty();
			this.weighted = weightedGroups.toArray(new Group[0]);
			this.cumulative = cumulativeWeights.stream().mapToInt(Integer::intValue).toArray();
			this.totalWeight = total;
		}

		Group group(String serviceId, @Nullable String pinnedVersion, boolean fallbackToAll) {
			if (pinnedVersion != null) {
				Group pinned = this.byVersion.get(pinnedVersion);
				if (pinned != null) {
					return pinned;
				}
				return noMatch(fallbackToAll, "No instance of " + serviceId + " has version '" + pinnedVersion
						+ "' asked for by the request; versions available: " + this.byVersion.keySet());
			}
			if (!this.hasWeights) {
				return this.all;
			}
			if (this.totalWeight == 0) {
				return noMatch(fallbackToAll, "No instance of " + serviceId
						+ " has a version with a weight in micro.loadbalancer.version-weights; versions available: "
						+ this.byVersion.keySet());
			}
			int draw = ThreadLocalRandom.current().nextInt(this.totalWeight);
			for (int i = 0; i < this.cumulative.length; i++) {
				if (draw < this.cumulative[i]) {
					return this.weighted[i];
				}
			}
			return this.weighted[this.weighted.length - 1];
		}

		/**
		 * Instances in the given zone, if there are any, like Spring Cloud's zone preference.
		 */
		private static List<ServiceInstance> preferZone(List<ServiceInstance> instances, @Nullable String zone) {
			if (zone == null) {
				return instances;
			}
			List<ServiceInstance> local = new ArrayList<>();
			for (ServiceInstance instance : instances) {
				if (zone.equalsIgnoreCase(instance.getMetadata().get(ZONE))) {
					local.add(instance);
				}
			}
			return local.isEmpty() ? instances : local;
		}

		/**
		 * The instances as a sequence in which each appears as often as its "weight" metadata says (1 when
		 * missing or not a positive number, at most {@link #MAX_WEIGHT}), spread out as nginx's smooth
		 * weighted round robin does, so round robin over the sequence honours the weights.
		 */
		private static ServiceInstance[] weighted(List<ServiceInstance> instances) {
			int[] weights = new int[instances.size()];
			int total = 0;
			for (int i = 0; i < weights.length; i++) {
				weights[i] = weightOf(instances.get(i));
				total += weights[i];
			}
			if (total == weights.length) {
				return instances.toArray(new ServiceInstance[0]);
			}
			ServiceInstance[] sequence = new ServiceInstance[total];
			int[] current = new int[weights.length];
			for (int k = 0; k < total; k++) {
				int best = 0;
				for (int i = 0; i < weights.length; i++) {
					current[i] += weights[i];
					if (current[i] > current[best]) {
						best = i;
					}
				}
				current[best] -= total;
				sequence[k] = instances.get(best);
			}
			return sequence;
		}

		private static int weightOf(ServiceInstance instance) {
			String weight = instance.getMetadata().get(WEIGHT);
			if (weight == null) {
				return 1;
			}
			try {
				int value = Integer.parseInt(weight.trim());
				return (value < 1) ? 1 : Math.min(value, MAX_WEIGHT);
			}
			catch (NumberFormatException ex) {
				return 1;
			}
		}

		private Group noMatch(boolean fallbackToAll, String message) {
			if (fallbackToAll) {
				return this.all;
			}
			throw new NoMatchingInstanceException(message + " (set micro.loadbalancer.fallback-to-all=true to use any instance)");
		}

	}

}
