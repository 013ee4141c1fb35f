package io.github.microspring.client;

import java.time.Duration;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.http.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.autoconfigure.http.client.HttpClientAutoConfiguration;
import org.springframework.boot.autoconfigure.http.codec.CodecsAutoConfiguration;
import org.springframework.boot.autoconfigure.web.client.RestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.web.client.RestTemplateAutoConfiguration;
import org.springframework.boot.autoconfigure.web.reactive.function.client.WebClientAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.client.RestTemplateBuilder;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kind of client an application builds, Boot's and its own, sends what the {@code Outgoing*Customizer}s
 * add, exactly once, against a real HTTP server. The answer is the number of {@code X-Outgoing} headers the
 * server received: 0 when a client was missed, 2 when a customizer ran twice on it.
 */
class OutgoingClientsIntegrationTests {

	private static HttpServer server;

	private static String direct;

	@BeforeAll
	static void startServer() throws Exception {
		server = CountingCustomizers.countingServer();
		direct = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
	}

	@AfterAll
	static void stopServer() {
		server.stop(0);
	}

	@Test
	void loadBalancedBuildersTheApplicationDeclaresItselfSendItOnce() {
		try (ConfigurableApplicationContext application = new SpringApplicationBuilder(UserClients.class)
			.properties("spring.application.name=caller", "spring.main.web-application-type=none",
					"spring.main.banner-mode=off", "micro.registry.enabled=false", "micro.discovery.enabled=false",
					"spring.cloud.discovery.client.simple.instances.echo[0].uri=http://127.0.0.1:"
							+ server.getAddress().getPort())
			.run()) {
			CountingCustomizers counting = application.getBean(CountingCustomizers.class);

			RestClient restClient = application.getBean("loadBalancedRestClientBuilder", RestClient.Builder.class)
				.build();
			assertThat(restClient.get().uri("http://echo/").retrieve().body(String.class)).isEqualTo("1");
			assertThat(counting.hostsSeen.poll()).as("runs inside the load balancer, once per try")
				.isEqualTo("127.0.0.1");

			WebClient webClient = application.getBean(WebClient.Builder.class).build();
			assertThat(webClient.get().uri("http://echo/").retrieve().bodyToMono(String.class)
				.block(Duration.ofSeconds(10))).isEqualTo("1");
			assertThat(counting.hostsSeen.poll()).as("runs inside the load balancer, once per try")
				.isEqualTo("127.0.0.1");

			RestTemplate restTemplate = application.getBean("loadBalancedRestTemplate", RestTemplate.class);
			assertThat(restTemplate.getForObject("http://echo/", String.class)).isEqualTo("1");
			assertThat(counting.hostsSeen.poll()).as("Spring Cloud adds its interceptor to templates later")
				.isEqualTo("echo");

			Echo echo = application.getBean(Echo.class);
			assertThat(echo.count()).isEqualTo("1");

			RestClient created = application.getBean("createdRestClient", RestClient.class);
			assertThat(created.get().uri(direct).retrieve().body(String.class)).isEqualTo("1");
			WebClient createdWeb = application.getBean("createdWebClient", WebClient.class);
			assertThat(createdWeb.get().uri(direct).retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10)))
				.isEqualTo("1");
		}
	}

	@Test
	void bootsAutoConfiguredBuildersSendItOnce() {
		CountingCustomizers counting = new CountingCustomizers();
		bootClients(counting)
			.withUserConfiguration(TemplateFromBuilder.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RestClient restClient = context.getBean(RestClient.Builder.class).build();
				assertThat(restClient.get().uri(direct).retrieve().body(String.class)).isEqualTo("1");
				WebClient webClient = context.getBean(WebClient.Builder.class).build();
				assertThat(webClient.get().uri(direct).retrieve().bodyToMono(String.class)
					.block(Duration.ofSeconds(10))).isEqualTo("1");
				RestTemplate built = context.getBean(RestTemplateBuilder.class).build();
				assertThat(built.getForObject(direct, String.class)).isEqualTo("1");
				// built by the customized RestTemplateBuilder and post-processed as a bean: still once
				assertThat(context.getBean("templateFromBuilder", RestTemplate.class).getForObject(direct, String.class))
					.isEqualTo("1");
			});
	}

	@Test
	void applicationsWithoutWebFluxStartAndTheirClientsSendIt() {
		CountingCustomizers counting = new CountingCustomizers();
		new ApplicationContextRunner().withClassLoader(new FilteredClassLoader(WebClient.class))
			.withConfiguration(AutoConfigurations.of(OutgoingClientsAutoConfiguration.class,
					HttpMessageConvertersAutoConfiguration.class, HttpClientAutoConfiguration.class,
					RestClientAutoConfiguration.class))
			.withBean(OutgoingRestClientCustomizer.class, counting::restClient)
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(OutgoingWebClientsPostProcessor.class);
				RestClient restClient = context.getBean(RestClient.Builder.class).build();
				assertThat(restClient.get().uri(direct).retrieve().body(String.class)).isEqualTo("1");
			});
	}

	private static ApplicationContextRunner bootClients(CountingCustomizers counting) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(OutgoingClientsAutoConfiguration.class,
					HttpMessageConvertersAutoConfiguration.class, CodecsAutoConfiguration.class,
					HttpClientAutoConfiguration.class, RestClientAutoConfiguration.class,
					RestTemplateAutoConfiguration.class, WebClientAutoConfiguration.class))
			.withBean(OutgoingRestClientCustomizer.class, counting::restClient)
			.withBean(OutgoingWebClientCustomizer.class, counting::webClient)
			.withBean(OutgoingRestTemplateCustomizer.class, counting::restTemplate);
	}

	interface Echo {

		@GetExchange("http://echo/")
		String count();

	}

	static class TemplateFromBuilder {

		@Bean
		RestTemplate templateFromBuilder(RestTemplateBuilder builder) {
			return builder.build();
		}

	}

	/** Clients declared as Spring Cloud's documentation shows, plus clients built without any builder bean. */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class UserClients {

		@Bean
		CountingCustomizers countingCustomizers() {
			return new CountingCustomizers();
		}

		@Bean
		OutgoingRestClientCustomizer countingRestClientCustomizer(CountingCustomizers counting) {
			return counting.restClient();
		}

		@Bean
		OutgoingWebClientCustomizer countingWebClientCustomizer(CountingCustomizers counting) {
			return counting.webClient();
		}

		@Bean
		OutgoingRestTemplateCustomizer countingRestTemplateCustomizer(CountingCustomizers counting) {
			return counting.restTemplate();
		}

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClientBuilder() {
			return RestClient.builder();
		}

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder();
		}

		@Bean
		@LoadBalanced
		RestTemplate loadBalancedRestTemplate() {
			return new RestTemplate();
		}

		@Bean
		Echo echo(RestClient.Builder loadBalancedRestClientBuilder) {
			return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(loadBalancedRestClientBuilder.build()))
				.build()
				.createClient(Echo.class);
		}

		@Bean
		RestClient createdRestClient() {
			return RestClient.create();
		}

		@Bean
		WebClient createdWebClient() {
			return WebClient.create();
		}

	}

}
