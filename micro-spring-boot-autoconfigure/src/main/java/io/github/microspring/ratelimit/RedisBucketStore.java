package io.github.microspring.ratelimit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Buckets in Redis, shared by every instance: one Bucket4j proxy manager on one connection of the Lettuce
 * client Boot built from {@code spring.data.redis.*} (a {@link RedisClient}, or a {@link RedisClusterClient}
 * for a cluster), opened once that factory has started.
 * <p>
 * Every request carries a timeout and the compare-and-swap retries are bounded. Concurrent calls of this
 * instance on one bucket are batched (Bucket4j's batching optimization, exact): while one compare-and-swap is in
 * flight the calls that arrive are sent together as the next, instead of each reading and swapping on its own and
 * retrying on the conflicts they make each other, which exhausted the retries under 16 callers on one key. While the connection is down
 * a decision fails at once instead of being queued by Lettuce's reconnect (its default
 * {@code disconnectedBehavior} buffers commands until they time out). When Redis is away at start the
 * connection is retried in the background.
 */
class RedisBucketStore implements BucketStore, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisBucketStore.class);

	/** kept after a bucket is full again, so that a key read just then still finds its state */
	private static final Duration KEEP_AFTER_REFILL = Duration.ofSeconds(1);

	private static final Duration MAX_CONNECT_BACKOFF = Duration.ofSeconds(10);

	/**
	 * Bucket proxies kept for batching (a batch forms in one proxy); beyond this many keys they are dropped and
	 * built again, which costs an allocation, not a decision.
	 */
	private static final int MAX_PROXIES = 10_000;

	private final LettuceConnectionFactory connectionFactory;

	private final RateLimitProperties.Redis settings;

	private final StoreOutage outage;

	private final Map<String, BucketConfiguration> configurations = new ConcurrentHashMap<>();

	private volatile Connected connected;

	private volatile boolean running;

	private ScheduledExecutorService connector;

	RedisBucketStore(LettuceConnectionFactory connectionFactory, RateLimitProperties.Redis settings,
			StoreOutage outage) {
		this.connectionFactory = connectionFactory;
		this.settings = settings;
		this.outage = outage;
	}

	@Override
	public ConsumptionProbe tryConsume(LimitSpec limit, String key) {
		return bucket(limit, key).tryConsumeAndReturnRemaining(1);
	}

	@Override
	public CompletableFuture<ConsumptionProbe> tryConsumeAsync(LimitSpec limit, String key) {
		return asyncBucket(limit, key).tryConsumeAndReturnRemaining(1);
	}

	@Override
	public boolean consume(LimitSpec limit, String key, Duration maxWait) throws InterruptedException {
		return bucket(limit, key).asBlocking().tryConsume(1, maxWait);
	}

	@Override
	public CompletableFuture<Boolean> consumeLater(LimitSpec limit, String key, Duration maxWait,
			ScheduledExecutorService scheduler) {
		return asyncBucket(limit, key).asScheduler().tryConsume(1, maxWait.toNanos(), scheduler);
	}

	private BucketProxy bucket(LimitSpec limit, String key) {
		Connected current = current();
		return proxy(current.buckets(), redisKey(limit, key), (redisKey) -> current.proxyManager()
			.builder()
			.withOptimization(Optimizations.batching())
			.build(bytes(redisKey), () -> configuration(limit)));
	}

	private AsyncBucketProxy asyncBucket(LimitSpec limit, String key) {
		Connected current = current();
		return proxy(current.asyncBuckets(), redisKey(limit, key), (redisKey) -> current.proxyManager()
			.asAsync()
			.builder()
			.withOptimization(Optimizations.batching())
			.build(bytes(redisKey), () -> CompletableFuture.completedFuture(configuration(limit))));
	}

	private static <P> P proxy(Map<String, P> proxies, String redisKey, Function<String, P> build) {
		P proxy = proxies.get(redisKey);
		if (proxy != null) {
			return proxy;
		}
		if (proxies.size() >= MAX_PROXIES) {
			proxies.clear();
		}
		return proxies.computeIfAbsent(redisKey, build);
	}

	private Connected current() {
		Connected current = this.connected;
		if (current == null) {
			throw new StoreUnavailableException("not connected to Redis yet");
		}
		if (!current.connection().isOpen()) {
			throw new StoreUnavailableException("connection to Redis lost, reconnecting");
		}
		return current;
	}

	private BucketConfiguration configuration(LimitSpec limit) {
		return this.configurations.computeIfAbsent(limit.name(), (name) -> limit.configuration());
	}

	private String redisKey(LimitSpec limit, String key) {
		String name = this.settings.getKeyPrefix() + limit.name();
		return (key != null) ? name + ":" + key : name;
	}

	private static byte[] bytes(String redisKey) {
		return redisKey.getBytes(StandardCharsets.UTF_8);
	}

	@Override
	public synchronized void start() {
		this.running = true;
		if (!tryConnect()) {
			this.connector = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "micro-ratelimit-redis-connect");
				thread.setDaemon(true);
				return thread;
			});
			scheduleConnect(Duration.ofMillis(500));
		}
	}

	private void scheduleConnect(Duration backoff) {
		this.connector.schedule(() -> {
			if (this.running && !tryConnect()) {
				Duration next = backoff.multipliedBy(2);
				scheduleConnect((next.compareTo(MAX_CONNECT_BACKOFF) > 0) ? MAX_CONNECT_BACKOFF : next);
			}
		}, backoff.toMillis(), TimeUnit.MILLISECONDS);
	}

	private synchronized boolean tryConnect() {
		if (!this.running) {
			return false;
		}
		try {
			this.connected = connect(this.connectionFactory.getRequiredNativeClient());
			this.outage.answered();
			return true;
		}
		catch (RuntimeException ex) {
			this.outage.failed(ex);
			logger.debug("Cannot connect to Redis for rate limits", ex);
			return false;
		}
	}

	private Connected connect(AbstractRedisClient client) {
		Bucket4jLettuce.LettuceBasedProxyManagerBuilder<byte[]> builder;
		StatefulConnection<byte[], byte[]> connection;
		if (client instanceof RedisClusterClient cluster) {
			StatefulRedisClusterConnection<byte[], byte[]> clusterConnection = cluster.connect(ByteArrayCodec.INSTANCE);
			connection = clusterConnection;
			builder = Bucket4jLettuce.casBasedBuilder(clusterConnection);
		}
		else {
			StatefulRedisConnection<byte[], byte[]> single = ((RedisClient) client).connect(ByteArrayCodec.INSTANCE);
			connection = single;
			builder = Bucket4jLettuce.casBasedBuilder(single);
		}
		ProxyManager<byte[]> proxyManager = builder.requestTimeout(this.settings.getTimeout())
			.maxRetries(this.settings.getMaxRetries())
			.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_AFTER_REFILL))
			.build();
		return new Connected(connection, proxyManager, new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
	}

	@Override
	public synchronized void stop() {
		this.running = false;
		if (this.connector != null) {
			this.connector.shutdownNow();
			this.connector = null;
		}
		Connected current = this.connected;
		this.connected = null;
		if (current != null) {
			current.connection().closeAsync();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Right after the connection factory, which must have built its client first.
	 */
	@Override
	public int getPhase() {
		int phase = this.connectionFactory.getPhase();
		return (phase < Integer.MAX_VALUE) ? phase + 1 : phase;
	}

	private record Connected(StatefulConnection<byte[], byte[]> connection, ProxyManager<byte[]> proxyManager,
			Map<String, BucketProxy> buckets, Map<String, AsyncBucketProxy> asyncBuckets) {
	}

}
