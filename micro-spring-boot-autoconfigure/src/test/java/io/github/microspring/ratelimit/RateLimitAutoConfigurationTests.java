package io.github.microspring.ratelimit;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class))
		.withPropertyValues("micro.ratelimit.instances.one.capacity=1", "micro.ratelimit.instances.one.refill-tokens=1",
				"micro.ratelimit.instances.one.refill-period=1h");

	@Test
	void enforcesLimitsWithLocalBucketsByDefault() {
		this.runner.withUserConfiguration(Limited.class).run((context) -> {
			assertThat(context).hasSingleBean(LocalBucketStore.class).doesNotHaveBean(RedisBucketStore.class);
			Service service = context.getBean(Service.class);
			service.call();
			assertThat(org.assertj.core.api.Assertions.catchThrowable(service::call))
				.isInstanceOf(RateLimitExceededException.class);
		});
	}

	@Test
	void tagsTheCurrentSpanWithTheLimitThatRefused() {
		this.runner.withUserConfiguration(Limited.class)
			.withBean(io.micrometer.tracing.test.simple.SimpleTracer.class)
			.run((context) -> {
				io.micrometer.tracing.test.simple.SimpleTracer tracer = context
					.getBean(io.micrometer.tracing.test.simple.SimpleTracer.class);
				Service service = context.getBean(Service.class);
				io.micrometer.tracing.Span allowed = tracer.nextSpan().name("allowed").start();
				try (io.micrometer.tracing.Tracer.SpanInScope scope = tracer.withSpan(allowed)) {
					service.call();
				}
				io.micrometer.tracing.Span refused = tracer.nextSpan().name("refused").start();
				try (io.micrometer.tracing.Tracer.SpanInScope scope = tracer.withSpan(refused)) {
					org.assertj.core.api.Assertions.catchThrowable(service::call);
				}
				assertThat(((io.micrometer.tracing.test.simple.SimpleSpan) allowed).getTags()).isEmpty();
				assertThat(((io.micrometer.tracing.test.simple.SimpleSpan) refused).getTags())
					.containsEntry("micro.ratelimit.rejected", "one");
			});
	}

	@Test
	void keysBucketsByMethodArgument() {
		this.runner.withUserConfiguration(Limited.class).run((context) -> {
			Service service = context.getBean(Service.class);
			service.callAs("alice");
			assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> service.callAs("alice")))
				.isInstanceOf(RateLimitExceededException.class);
			service.callAs("bob");
			// a full SpEL expression: the key BOB is a bucket of its own
			assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> service.callAsUpper("bob"))).isNull();
			assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> service.callAsUpper("bob")))
				.isInstanceOf(RateLimitExceededException.class);
		});
	}

	@Test
	void leavesMethodsAloneWhenDisabled() {
		this.runner.withUserConfiguration(Limited.class).withPropertyValues("micro.ratelimit.enabled=false")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(RateLimitInterceptor.class);
				Service service = context.getBean(Service.class);
				service.call();
				service.call();
			});
	}

	@Test
	void backsOffWithoutBucket4j() {
		this.runner.withClassLoader(new FilteredClassLoader("io.github.bucket4j"))
			.run((context) -> assertThat(context).doesNotHaveBean(RateLimitInterceptor.class));
	}

	@Test
	void zeroCapacityFailsStartupNamingTheProperty() {
		this.runner.withPropertyValues("micro.ratelimit.defaults.capacity=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("micro.ratelimit")
				.hasMessageContaining("defaults.capacity"));
	}

	@Test
	void zeroOrNegativeRefillPeriodFailsStartupNamingTheProperty() {
		this.runner.withPropertyValues("micro.ratelimit.instances.orders.refill-period=0s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("micro.ratelimit")
				.hasMessageContaining("instances[orders].refillPeriod"));
		this.runner.withPropertyValues("micro.ratelimit.defaults.refill-period=-1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("micro.ratelimit")
				.hasMessageContaining("defaults.refillPeriod"));
	}

	@Test
	void refillFasterThanBucket4jSupportsFailsStartupNamingTheLimit() {
		this.runner.withUserConfiguration(Limited.class)
			.withPropertyValues("micro.ratelimit.instances.one.refill-tokens=2000",
					"micro.ratelimit.instances.one.refill-period=1us")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).hasStackTraceContaining("micro.ratelimit.instances.one.*")
					.hasStackTraceContaining("Service.call()");
			});
	}

	@Test
	void unknownStoreFailsStartupNamingTheProperty() {
		this.runner.withPropertyValues("micro.ratelimit.store=memcached").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("micro.ratelimit.store");
		});
	}

	@Test
	void redisStoreWithoutRedisSettingsFailsStartup() {
		this.runner.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class))
			.withUserConfiguration(Limited.class)
			.withPropertyValues("micro.ratelimit.store=redis")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("micro.ratelimit.store=redis")
				.hasMessageContaining("spring.data.redis.host"));
	}

	@Test
	void redisStoreWithoutSpringDataRedisFailsStartup() {
		this.runner.withClassLoader(new FilteredClassLoader(LettuceConnectionFactory.class))
			.withPropertyValues("micro.ratelimit.store=redis")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("spring-boot-starter-data-redis"));
	}

	@Test
	void keyNamingAnUnknownVariableFailsStartupNamingTheMethod() {
		this.runner.withUserConfiguration(BadKey.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("BadKeyService.call(java.lang.String)")
				.hasMessageContaining("#user"));
	}

	@Test
	void keyThatDoesNotParseFailsStartupNamingTheMethod() {
		this.runner.withUserConfiguration(UnparsableKey.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("Invalid @RateLimited key '#userId +'")
				.hasStackTraceContaining("UnparsableKeyService.call(java.lang.String)");
		});
	}

	@Test
	void servletApplicationsGetTheExceptionResolverUnlessTheyDeclareTheirOwn() {
		WebApplicationContextRunner web = new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class));
		web.run((context) -> assertThat(context).hasSingleBean(RateLimitExceptionResolver.class));
		web.withUserConfiguration(OwnResolver.class)
			.run((context) -> assertThat(context).hasSingleBean(RateLimitExceptionResolver.class)
				.hasBean("ownResolver"));
	}

	@Configuration(proxyBeanMethods = false)
	static class Limited {

		@Bean
		Service service() {
			return new Service();
		}

	}

	static class Service {

		@RateLimited(name = "one", side = RateLimited.Side.SERVER)
		public String call() {
			return "ok";
		}

		@RateLimited(name = "one", key = "#user", side = RateLimited.Side.SERVER)
		public String callAs(String user) {
			return user;
		}

		@RateLimited(name = "one", key = "#user.toUpperCase()", side = RateLimited.Side.SERVER)
		public String callAsUpper(String user) {
			return user;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnResolver {

		@Bean
		RateLimitExceptionResolver ownResolver() {
			return new RateLimitExceptionResolver();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class BadKey {

		@Bean
		BadKeyService badKeyService() {
			return new BadKeyService();
		}

	}

	static class BadKeyService {

		@RateLimited(key = "#user")
		public String call(String userId) {
			return userId;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UnparsableKey {

		@Bean
		UnparsableKeyService unparsableKeyService() {
			return new UnparsableKeyService();
		}

	}

	static class UnparsableKeyService {

		@RateLimited(key = "#userId +")
		public String call(String userId) {
			return userId;
		}

	}

}
