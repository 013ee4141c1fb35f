package io.github.microspring.deadline;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When deadlines are read and enforced, and what the application keeps of its own.
 */
class DeadlineAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DeadlineAutoConfiguration.class));

	@Test
	void enforcesDeadlinesOnEveryClientKindByDefault() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(DeadlineRestClientCustomizer.class)
			.hasSingleBean(DeadlineWebClientCustomizer.class)
			.hasSingleBean(DeadlineHeaders.class));
	}

	@Test
	void switchedOffDoesNothing() {
		this.runner.withPropertyValues("micro.deadline.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(DeadlineRestClientCustomizer.class)
				.doesNotHaveBean(DeadlineHeaders.class));
	}

	@Test
	void servletApplicationGetsTheFilterAndThe504Resolver() {
		new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(DeadlineAutoConfiguration.class))
			.run((context) -> assertThat(context).hasSingleBean(DeadlineServletFilter.class)
				.hasSingleBean(DeadlineExceededExceptionResolver.class)
				.doesNotHaveBean(DeadlineWebFilter.class));
	}

	@Test
	void reactiveApplicationGetsTheWebFilterAndThe504Handler() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DeadlineAutoConfiguration.class))
			.run((context) -> assertThat(context).hasSingleBean(DeadlineWebFilter.class)
				.hasSingleBean(DeadlineExceededWebExceptionHandler.class)
				.doesNotHaveBean(DeadlineServletFilter.class));
	}

	@Test
	void applicationWithoutWebFluxGetsNoWebClientCustomizer() {
		this.runner.withClassLoader(new FilteredClassLoader(WebClient.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(DeadlineRestClientCustomizer.class)
				.doesNotHaveBean(DeadlineWebClientCustomizer.class));
	}

	@Test
	void blockingClientsKeepTheirRequestFactoryWhenAsked() {
		this.runner.withPropertyValues("micro.deadline.blocking-clients.timeouts=false").run((context) -> {
			RestClient.Builder builder = RestClient.builder();
			context.getBean(DeadlineRestClientCustomizer.class).customize(builder);
			Object factory = new org.springframework.beans.DirectFieldAccessor(builder).getPropertyValue("requestFactory");
			assertThat(factory).isNull();
		});
	}

	@Test
	void customizingTwiceAddsOneInterceptorAndOneFilter() {
		this.runner.run((context) -> {
			RestClient.Builder builder = RestClient.builder();
			context.getBean(DeadlineRestClientCustomizer.class).customize(builder);
			context.getBean(DeadlineRestClientCustomizer.class).customize(builder);
			builder.requestInterceptors((interceptors) -> assertThat(interceptors).hasSize(1));
			WebClient.Builder web = WebClient.builder();
			context.getBean(DeadlineWebClientCustomizer.class).customize(web);
			context.getBean(DeadlineWebClientCustomizer.class).customize(web);
			web.filters((filters) -> assertThat(filters).singleElement()
				.isInstanceOf(DeadlineWebClientCustomizer.PerTry.class));
		});
	}

}
