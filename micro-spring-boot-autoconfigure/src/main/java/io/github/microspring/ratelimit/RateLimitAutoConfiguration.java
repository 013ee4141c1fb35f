package io.github.microspring.ratelimit;

import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import io.github.bucket4j.Bucket;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Tracer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * {@link RateLimited} methods, with buckets in this application ({@code micro.ratelimit.store=local}) or in
 * the Redis that {@code spring.data.redis.*} configures ({@code redis}).
 */
@AutoConfiguration(afterName = { "org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration",
		"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.actuate.autoconfigure.tracing.MicrometerTracingAutoConfiguration" })
@ConditionalOnClass(Bucket.class)
@ConditionalOnBooleanProperty(name = "micro.ratelimit.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RateLimitProperties.class)
public class RateLimitAutoConfiguration {

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static RateLimitedBeanPostProcessor microRateLimitedBeanPostProcessor(
			ObjectProvider<RateLimitInterceptor> interceptor, ObjectProvider<LimitedMethods> methods) {
		return new RateLimitedBeanPostProcessor(interceptor, methods);
	}

	@Bean
	LimitedMethods microRateLimitedMethods(RateLimitProperties properties) {
		return new LimitedMethods(properties);
	}

	@Bean
	StoreOutage microRateLimitStoreOutage(RateLimitProperties properties) {
		return new StoreOutage(Clock.systemUTC(),
				(properties.getRedis().getFailureMode() == RateLimitProperties.FailureMode.OPEN) ? "open" : "closed");
	}

	@Bean(destroyMethod = "shutdownNow")
	ScheduledExecutorService microRateLimitScheduler() {
		return Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "micro-ratelimit-scheduler");
			thread.setDaemon(true);
			return thread;
		});
	}

	@Bean
	RateLimitInterceptor microRateLimitInterceptor(LimitedMethods methods, BucketStore store,
			RateLimitProperties properties, StoreOutage outage, ObjectProvider<DecisionListener> listeners,
			ScheduledExecutorService microRateLimitScheduler) {
		boolean failOpen = properties.getStore() == RateLimitProperties.Store.LOCAL
				|| properties.getRedis().getFailureMode() == RateLimitProperties.FailureMode.OPEN;
		RateLimiter limiter = new RateLimiter(store, failOpen, outage,
				DecisionListener.of(listeners.orderedStream().toList()), microRateLimitScheduler);
		return new RateLimitInterceptor(methods, limiter, new RateLimitHeaders(properties.getHeaders()));
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "micro.ratelimit.store", havingValue = "local", matchIfMissing = true)
	@ConditionalOnClass(name = "com.github.benmanes.caffeine.cache.Caffeine")
	static class LocalStoreConfiguration {

		@Bean
		LocalBucketStore microRateLimitLocalStore(RateLimitProperties properties) {
			return new LocalBucketStore(properties.getLocal().getMaxBuckets());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "micro.ratelimit.store", havingValue = "redis")
	@ConditionalOnClass(name = { "org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory",
			"io.github.bucket4j.redis.lettuce.Bucket4jLettuce" })
	static class RedisStoreConfiguration {

		@Bean
		RedisBucketStore microRateLimitRedisStore(ObjectProvider<LettuceConnectionFactory> connectionFactory,
				RateLimitProperties properties, StoreOutage outage, Environment environment) {
			LettuceConnectionFactory factory = connectionFactory.getIfUnique();
			if (factory == null || !RedisSettings.configured(environment)) {
				throw new IllegalStateException("micro.ratelimit.store=redis needs a Redis connection: set "
						+ "spring.data.redis.host (or url, cluster.nodes, sentinel.nodes) and use Lettuce, the "
						+ "client of spring-boot-starter-data-redis");
			}
			return new RedisBucketStore(factory, properties.getRedis(), outage);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "micro.ratelimit.store", havingValue = "redis")
	@ConditionalOnMissingClass("org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory")
	static class MissingRedisConfiguration {

		@Bean
		BucketStore microRateLimitRedisStore() {
			throw new IllegalStateException("micro.ratelimit.store=redis needs spring-boot-starter-data-redis "
					+ "(spring-data-redis with Lettuce) and spring.data.redis.* settings");
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBean(MeterRegistry.class)
	static class MetricsConfiguration {

		@Bean
		DecisionMetrics microRateLimitDecisionMetrics(MeterRegistry registry) {
			return new DecisionMetrics(registry);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(Tracer.class)
	@ConditionalOnBean(Tracer.class)
	static class TracingConfiguration {

		@Bean
		RefusalSpanTagger microRateLimitRefusalSpanTagger(Tracer tracer) {
			return new RefusalSpanTagger(tracer);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass(name = "org.springframework.web.servlet.HandlerExceptionResolver")
	static class ServletConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RateLimitExceptionResolver microRateLimitExceptionResolver() {
			return new RateLimitExceptionResolver();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	static class ReactiveConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RateLimitWebExceptionHandler microRateLimitWebExceptionHandler() {
			return new RateLimitWebExceptionHandler();
		}

		@Bean
		ExchangeContextWebFilter microRateLimitExchangeContextWebFilter() {
			return new ExchangeContextWebFilter();
		}

	}

}
