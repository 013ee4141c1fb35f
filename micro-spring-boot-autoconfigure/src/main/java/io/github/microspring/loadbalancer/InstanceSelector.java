package io.github.microspring.loadbalancer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.lang.Nullable;

/**
 * Chooses one instance of a service, round robin within the preferred group: the instances of one version
 * (pinned by the caller or drawn by the configured weights), of those the ones in our zone, of those the
 * ones carrying the call's hint. Ejected instances and the one a retry comes from are skipped; when that
 * leaves no member of the group, the choice widens: the hint is dropped, then the zone, then the version
 * (to the other weighted versions, then, with {@code fallback-to-all}, to the whole service). Only when
 * nothing is left anywhere does it go back to a skipped instance.
 * <p>
 * What is derived from an instance list (groups, weights, hints) is built once per list, by one thread, and
 * kept until the discovery client hands out another list. A choice then costs the same whatever the size
 * of the service: it probes a bounded number of positions from the round-robin position, without
 * allocating or locking.
 */
class InstanceSelector {

	static final String VERSION = "version";

	static final String ZONE = "zone";

	static final String WEIGHT = "weight";

	static final String HINT = "hint";

	/** Caps the "weight" metadata of an instance. */
	static final int MAX_WEIGHT = 100;

	/** Hint groups kept per version scope; a hint beyond them is matched again on each call. */
	static final int MAX_HINT_GROUPS = 64;

	/** Positions of a group looked at before the group counts as used up and the choice widens. */
	static final int PROBES = 16;

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
		Snapshot snapshot = state(serviceId).snapshot(serviceId, instances);
		Scope[] scopes = snapshot.scopes(serviceId, pinnedVersion, this.fallbackToAll);
		Group preferred = scopes[0].preferred(hint, snapshot);
		Ejections.ServiceHealth ejected = this.ejections.mayBeEjected(serviceId);
		if (previous == null && ejected == null) {
			return preferred.next();
		}
		String previousKey = (previous != null) ? Ejections.keyOf(previous) : null;
		Group last = null;
		for (Scope scope : scopes) {
			for (Group group : scope.widening(hint, snapshot)) {
				if (group == null || group == last) {
					continue;
				}
				last = group;
				ServiceInstance chosen = group.nextUsable(this.ejections, ejected, previousKey);
				if (chosen != null) {
					return chosen;
				}
			}
		}
		// everything is ejected or is the instance the retry comes from
		ServiceInstance same = (previousKey != null) ? snapshot.byKey.get(previousKey) : null;
		if (same != null && !this.ejections.isEjected(serviceId, previousKey)) {
			return same;
		}
		return preferred.nextOther(previousKey);
	}

	/**
	 * Hint groups cached for the current instance list of a service, for tests.
	 */
	int cachedHintGroups(String serviceId) {
		ServiceState state = this.services.get(serviceId);
		Snapshot snapshot = (state != null) ? state.snapshot : null;
		return (snapshot != null) ? snapshot.cachedHintGroups() : 0;
	}

	private ServiceState state(String serviceId) {
		ServiceState state = this.services.get(serviceId);
		return (state != null) ? state : this.services.computeIfAbsent(serviceId,
				(id) -> new ServiceState(this.versionWeights.getOrDefault(id, Collections.emptyMap())));
	}

	@Nullable
	private static String metadata(ServiceInstance instance, String key) {
		Map<String, String> metadata = instance.getMetadata();
		return (metadata != null) ? metadata.get(key) : null;
	}

	private final class ServiceState {

		final Map<String, Integer> weights;

		volatile Snapshot snapshot;

		final AtomicReference<CompletableFuture<Snapshot>> building = new AtomicReference<>();

		ServiceState(Map<String, Integer> weights) {
			this.weights = weights;
		}

		/**
		 * The snapshot of the given list; the first caller to see a new list builds it while the others
		 * keep choosing from the one before, or, for the first list of the service, wait for it.
		 */
		Snapshot snapshot(String serviceId, List<ServiceInstance> instances) {
			while (true) {
				Snapshot current = this.snapshot;
				if (current != null && current.isOf(instances)) {
					return current;
				}
				CompletableFuture<Snapshot> mine = new CompletableFuture<>();
				CompletableFuture<Snapshot> other = this.building.compareAndExchange(null, mine);
				if (other == null) {
					try {
						Snapshot fresh = new Snapshot(instances, this.weights);
						InstanceSelector.this.ejections.instancesChanged(serviceId, instances);
						this.snapshot = fresh;
						mine.complete(fresh);
						return fresh;
					}
					catch (RuntimeException | Error ex) {
						mine.completeExceptionally(ex);
						throw ex;
					}
					finally {
						this.building.set(null);
					}
				}
				if (current != null) {
					return current;
				}
				try {
					other.join();
				}
				catch (CompletionException ex) {
					// the other builder failed and has thrown to its caller; try ourselves
				}
			}
		}

	}

	/**
	 * Instances to choose from and the position that goes round them; with "weight" metadata, round a
	 * weighted sequence that is computed, never stored.
	 */
	private static final class Group {

		static final Group EMPTY = new Group(new ServiceInstance[0], new AtomicInteger());

		final ServiceInstance[] members;

		final String[] keys;

		final AtomicInteger position;

		@Nullable
		final Weights weights;

		/** Length of the sequence the position goes round. */
		final int length;

		Group(ServiceInstance[] members, AtomicInteger position) {
			this.members = members;
			this.position = position;
			this.keys = new String[members.length];
			for (int i = 0; i < members.length; i++) {
				this.keys[i] = Ejections.keyOf(members[i]);
			}
			this.weights = Weights.of(members);
			this.length = (this.weights != null) ? this.weights.total : members.length;
		}

		boolean isEmpty() {
			return this.members.length == 0;
		}

		ServiceInstance next() {
			// ignore the sign bit, so the position loops from 0 to MAX_VALUE
			int position = this.position.getAndIncrement() & Integer.MAX_VALUE;
			return (this.weights != null) ? this.weights.instanceAt(position)
					: this.members[position % this.members.length];
		}

		/**
		 * The next member, or the one after it when that is the given one and there is another.
		 */
		ServiceInstance nextOther(@Nullable String key) {
			int start = this.position.getAndIncrement() & Integer.MAX_VALUE;
			int index = indexAt(start);
			if (key != null && key.equals(this.keys[index]) && this.members.length > 1) {
				for (int k = 1; k < Math.min(this.length, PROBES); k++) {
					int other = indexAt((start + k) & Integer.MAX_VALUE);
					if (!key.equals(this.keys[other])) {
						return this.members[other];
					}
				}
			}
			return this.members[index];
		}

		/**
		 * The next member that is neither ejected nor the given one, looking at a bounded number of
		 * positions; {@code null} when none of them is.
		 */
		@Nullable
		ServiceInstance nextUsable(Ejections ejections, @Nullable Ejections.ServiceHealth ejected,
				@Nullable String previousKey) {
			int start = this.position.getAndIncrement() & Integer.MAX_VALUE;
			int probes = Math.min(this.length, PROBES);
			for (int k = 0; k < probes; k++) {
				int index = indexAt((start + k) & Integer.MAX_VALUE);
				if (isUsable(index, ejections, ejected, previousKey)) {
					if (k > 0) {
						// the skipped positions count as served, so the usable members keep even shares
						this.position.getAndAdd(k);
					}
					return this.members[index];
				}
			}
			if (this.weights != null) {
				// a weighted sequence can repeat the heavy members: look at each member once as well
				int first = start % this.members.length;
				for (int k = 0; k < Math.min(this.members.length, PROBES); k++) {
					int index = (first + k) % this.members.length;
					if (isUsable(index, ejections, ejected, previousKey)) {
						return this.members[index];
					}
				}
			}
			return null;
		}

		private boolean isUsable(int index, Ejections ejections, @Nullable Ejections.ServiceHealth ejected,
				@Nullable String previousKey) {
			String key = this.keys[index];
			return !key.equals(previousKey) && !(ejected != null && ejections.isEjected(ejected, key));
		}

		private int indexAt(int position) {
			return (this.weights != null) ? this.weights.indexAt(position) : position % this.members.length;
		}

	}

	/**
	 * Interleaved weighted round robin: round r holds, heaviest first, the members whose weight is above r,
	 * so a pass over all rounds gives each member as many slots as its weight. Position p is mapped to slot
	 * p × stride mod total, with a stride near the golden ratio of the total and prime to it: a pass still
	 * visits every slot once, and a heavy member's slots, which sit together in the last rounds, are spread
	 * over the pass instead of coming in a burst. The round of a slot is read from a table of at most 1024
	 * buckets, then found in a step or two.
	 */
	private static final class Weights {

		final int total;

		final long stride;

		/** 1 / total. */
		final double inverse;

		/** Member indexes, heaviest first, in list order among equals. */
		final int[] order;

		/** The members in that order. */
		final ServiceInstance[] ordered;

		/** First slot of each round, and the total at the end. */
		final int[] roundStarts;

		/** For each bucket of slots, the round of its first slot. */
		final int[] bucketRounds;

		final int bucketShift;

		private Weights(int total, long stride, int[] order, ServiceInstance[] members, int[] roundStarts) {
			this.total = total;
			this.stride = stride;
			this.inverse = 1.0 / total;
			this.order = order;
			this.ordered = new ServiceInstance[order.length];
			for (int i = 0; i < order.length; i++) {
				this.ordered[i] = members[order[i]];
			}
			this.roundStarts = roundStarts;
			this.bucketShift = Math.max(0, 32 - Integer.numberOfLeadingZeros(total - 1) - 10);
			this.bucketRounds = new int[((total - 1) >> this.bucketShift) + 1];
			for (int bucket = 0, round = 0; bucket < this.bucketRounds.length; bucket++) {
				while (roundStarts[round + 1] <= (bucket << this.bucketShift)) {
					round++;
				}
				this.bucketRounds[bucket] = round;
			}
		}

		/**
		 * The weights of the members, or {@code null} when they are all 1.
		 */
		@Nullable
		static Weights of(ServiceInstance[] members) {
			int[] weights = new int[members.length];
			int total = 0;
			int max = 1;
			for (int i = 0; i < members.length; i++) {
				weights[i] = weightOf(members[i]);
				total += weights[i];
				max = Math.max(max, weights[i]);
			}
			if (max == 1) {
				return null;
			}
			int[] count = new int[max + 1];
			for (int weight : weights) {
				count[weight]++;
			}
			int[] next = new int[max + 1];
			for (int weight = max, offset = 0; weight >= 1; weight--) {
				next[weight] = offset;
				offset += count[weight];
			}
			int[] order = new int[members.length];
			for (int i = 0; i < members.length; i++) {
				order[next[weights[i]]++] = i;
			}
			int[] roundStarts = new int[max + 1];
			int slots = 0;
			int eligible = members.length;
			for (int round = 0; round < max; round++) {
				roundStarts[round] = slots;
				slots += eligible;
				eligible -= count[round + 1];
			}
			roundStarts[max] = slots;
			long stride = Math.max(1, Math.round(total * 0.6180339887));
			while (gcd(stride, total) != 1) {
				stride++;
			}
			return new Weights(total, stride, order, members, roundStarts);
		}

		/** Index in the members of the one at the given position. */
		int indexAt(int position) {
			return this.order[orderAt(position)];
		}

		ServiceInstance instanceAt(int position) {
			return this.ordered[orderAt(position)];
		}

		private int orderAt(int position) {
			long scaled = (position % this.total) * this.stride;
			// the remainder by a multiplication in double, exact to one either way: a 64-bit division costs more
			int slot = (int) (scaled - (long) (scaled * this.inverse) * this.total);
			if (slot < 0) {
				slot += this.total;
			}
			else if (slot >= this.total) {
				slot -= this.total;
			}
			int round = this.bucketRounds[slot >> this.bucketShift];
			while (this.roundStarts[round + 1] <= slot) {
				round++;
			}
			return slot - this.roundStarts[round];
		}

		private static long gcd(long a, long b) {
			while (b != 0) {
				long r = a % b;
				a = b;
				b = r;
			}
			return a;
		}

		/**
		 * The "weight" metadata: 1 when missing or not a positive number, at most {@link #MAX_WEIGHT}.
		 */
		private static int weightOf(ServiceInstance instance) {
			String weight = metadata(instance, WEIGHT);
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

	}

	/**
	 * The instances of the service, of one version or of the weighted versions: all of them, those in our
	 * zone, and, derived when first asked for, those carrying a hint.
	 */
	private final class Scope {

		final Group all;

		/** Members in our zone, or all of them when none is or we have no zone. */
		final Group local;

		/** Versions of the scope, {@code null} for the whole service. */
		@Nullable
		final Set<String> versions;

		final Map<String, Group> hinted = new ConcurrentHashMap<>();

		private final Group[] unhinted;

		Scope(List<ServiceInstance> members, @Nullable Set<String> versions) {
			this.versions = versions;
			this.all = group(members);
			List<ServiceInstance> local = inZone(members);
			this.local = (local.isEmpty() || local.size() == members.size()) ? this.all : group(local);
			this.unhinted = new Group[] { this.local, this.all };
		}

		/**
		 * Where a choice starts: the hint group if there is one, else the zone group.
		 */
		Group preferred(@Nullable String hint, Snapshot snapshot) {
			Group hinted = (hint != null) ? hinted(hint, snapshot) : null;
			return (hinted != null) ? hinted : this.local;
		}

		/**
		 * The groups to try in turn: the hint group if there is one, the zone group, all.
		 */
		Group[] widening(@Nullable String hint, Snapshot snapshot) {
			Group hinted = (hint != null) ? hinted(hint, snapshot) : null;
			return (hinted != null) ? new Group[] { hinted, this.local, this.all } : this.unhinted;
		}

		/**
		 * The members of the zone group carrying the hint, or {@code null} when none does. A hint no
		 * instance carries takes no entry.
		 */
		@Nullable
		Group hinted(String hint, Snapshot snapshot) {
			ServiceInstance[] carriers = snapshot.hints.get(hint);
			if (carriers == null) {
				return null;
			}
			Group group = this.hinted.get(hint);
			if (group == null) {
				group = derive(carriers);
				if (this.hinted.size() < MAX_HINT_GROUPS) {
					Group raced = this.hinted.putIfAbsent(hint, group);
					group = (raced != null) ? raced : group;
				}
			}
			return group.isEmpty() ? null : group;
		}

		private Group derive(ServiceInstance[] carriers) {
			List<ServiceInstance> members = new ArrayList<>();
			for (ServiceInstance carrier : carriers) {
				if (isMember(carrier) && (this.local == this.all || isInZone(carrier))) {
					members.add(carrier);
				}
			}
			return members.isEmpty() ? Group.EMPTY : group(members);
		}

		private boolean isMember(ServiceInstance instance) {
			if (this.versions == null) {
				return true;
			}
			String version = metadata(instance, VERSION);
			return version != null && this.versions.contains(version);
		}

		private List<ServiceInstance> inZone(List<ServiceInstance> instances) {
			if (InstanceSelector.this.zone == null) {
				return instances;
			}
			List<ServiceInstance> local = new ArrayList<>();
			for (ServiceInstance instance : instances) {
				if (isInZone(instance)) {
					local.add(instance);
				}
			}
			return local;
		}

		private boolean isInZone(ServiceInstance instance) {
			return InstanceSelector.this.zone != null
					&& InstanceSelector.this.zone.equalsIgnoreCase(metadata(instance, ZONE));
		}

		private Group group(List<ServiceInstance> members) {
			return new Group(members.toArray(new ServiceInstance[0]),
					new AtomicInteger(InstanceSelector.this.startPositions.getAsInt()));
		}

	}

	/**
	 * Everything derived from one instance list.
	 */
	private final class Snapshot {

		final List<ServiceInstance> source;

		/** Instances by their ejection key. */
		final Map<String, ServiceInstance> byKey;

		/** Instances by each hint value they carry. */
		final Map<String, ServiceInstance[]> hints;

		/** The whole service, alone: for a call that neither pins nor is weighted. */
		final Scope[] service;

		/** For each version, the scopes a pinned call tries in turn. */
		final Map<String, Scope[]> pinned;

		/** For each weighted version with instances, the scopes a call drawn to it tries in turn. */
		final Scope[][] weighted;

		final int[] cumulative;

		final int totalWeight;

		final boolean hasWeights;

		/** Versions in the order they first appear. */
		final List<String> versions;

		Snapshot(List<ServiceInstance> source, Map<String, Integer> weights) {
			this.source = source;
			this.byKey = new HashMap<>();
			Map<String, List<ServiceInstance>> versions = new LinkedHashMap<>();
			Map<String, List<ServiceInstance>> hints = new HashMap<>();
			for (ServiceInstance instance : source) {
				this.byKey.put(Ejections.keyOf(instance), instance);
				String version = metadata(instance, VERSION);
				if (version != null) {
					versions.computeIfAbsent(version, (v) -> new ArrayList<>()).add(instance);
				}
				String hint = metadata(instance, HINT);
				if (hint != null) {
					hints.computeIfAbsent(hint, (h) -> new ArrayList<>()).add(instance);
				}
			}
			this.hints = new HashMap<>();
			hints.forEach((hint, carriers) -> this.hints.put(hint, carriers.toArray(new ServiceInstance[0])));
			Scope all = new Scope(source, null);
			this.service = new Scope[] { all };
			boolean fallbackToAll = InstanceSelector.this.fallbackToAll;
			this.pinned = new HashMap<>();
			Map<String, Scope> byVersion = new HashMap<>();
			versions.forEach((version, members) -> {
				Scope scope = new Scope(members, Set.of(version));
				byVersion.put(version, scope);
				this.pinned.put(version, fallbackToAll ? new Scope[] { scope, all } : new Scope[] { scope });
			});
			List<String> weightedVersions = new ArrayList<>();
			List<Integer> cumulativeWeights = new ArrayList<>();
			int total = 0;
			for (Map.Entry<String, Integer> weight : weights.entrySet()) {
				if (byVersion.containsKey(weight.getKey()) && weight.getValue() != null && weight.getValue() > 0) {
					total += weight.getValue();
					weightedVersions.add(weight.getKey());
					cumulativeWeights.add(total);
				}
			}
			Scope union = null;
			if (weightedVersions.size() > 1) {
				Set<String> unionVersions = Set.copyOf(weightedVersions);
				List<ServiceInstance> members = new ArrayList<>();
				for (ServiceInstance instance : source) {
					String version = metadata(instance, VERSION);
					if (version != null && unionVersions.contains(version)) {
						members.add(instance);
					}
				}
				union = new Scope(members, unionVersions);
			}
			this.weighted = new Scope[weightedVersions.size()][];
			for (int i = 0; i < this.weighted.length; i++) {
				List<Scope> scopes = new ArrayList<>();
				scopes.add(byVersion.get(weightedVersions.get(i)));
				if (union != null) {
					scopes.add(union);
				}
				if (fallbackToAll) {
					scopes.add(all);
				}
				this.weighted[i] = scopes.toArray(new Scope[0]);
			}
			this.hasWeights = !weights.isEmpty();
			this.cumulative = cumulativeWeights.stream().mapToInt(Integer::intValue).toArray();
			this.totalWeight = total;
			this.versions = List.copyOf(versions.keySet());
		}

		/**
		 * Whether this snapshot was derived from the given list or from one holding the same instances
		 * (some discovery clients, such as Spring Cloud's simple one, hand out a new list on every call).
		 */
		boolean isOf(List<ServiceInstance> instances) {
			if (this.source == instances) {
				return true;
			}
			if (this.source.size() != instances.size()) {
				return false;
			}
			for (int i = 0; i < instances.size(); i++) {
				ServiceInstance known = this.source.get(i);
				ServiceInstance given = instances.get(i);
				if (known != given && (known == null || !known.equals(given))) {
					return false;
				}
			}
			return true;
		}

		Scope[] scopes(String serviceId, @Nullable String pinnedVersion, boolean fallbackToAll) {
			if (pinnedVersion != null) {
				Scope[] pinned = this.pinned.get(pinnedVersion);
				if (pinned != null) {
					return pinned;
				}
				return noMatch(fallbackToAll, "No instance of " + serviceId + " has version '" + pinnedVersion
						+ "' asked for by the request; versions available: " + this.versions);
			}
			if (!this.hasWeights) {
				return this.service;
			}
			if (this.totalWeight == 0) {
				return noMatch(fallbackToAll, "No instance of " + serviceId
						+ " has a version with a weight in micro.loadbalancer.version-weights; versions available: "
						+ this.versions);
			}
			int draw = ThreadLocalRandom.current().nextInt(this.totalWeight);
			for (int i = 0; i < this.cumulative.length; i++) {
				if (draw < this.cumulative[i]) {
					return this.weighted[i];
				}
			}
			return this.weighted[this.weighted.length - 1];
		}

		int cachedHintGroups() {
			int cached = this.service[0].hinted.size();
			for (Scope[] scopes : this.pinned.values()) {
				cached += scopes[0].hinted.size();
			}
			return cached;
		}

		private Scope[] noMatch(boolean fallbackToAll, String message) {
			if (fallbackToAll) {
				return this.service;
			}
			throw new NoMatchingInstanceException(
					message + " (set micro.loadbalancer.fallback-to-all=true to use any instance)");
		}

	}

}
