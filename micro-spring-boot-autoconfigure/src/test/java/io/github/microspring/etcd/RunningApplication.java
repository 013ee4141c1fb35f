package io.github.microspring.etcd;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What a client on loopback sees of a running test application: its port, and the answers of its endpoints.
 */
public final class RunningApplication {

	private static final ObjectMapper json = new ObjectMapper();

	private static final HttpClient http = HttpClient.newHttpClient();

	private RunningApplication() {
	}

	public static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	public static HttpResponse<String> send(ConfigurableApplicationContext context, String path)
			throws IOException, InterruptedException {
		return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(context) + path))
			.timeout(Duration.ofSeconds(5))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	public static String text(ConfigurableApplicationContext context, String path)
			throws IOException, InterruptedException {
		return send(context, path).body();
	}

	public static int status(ConfigurableApplicationContext context, String path)
			throws IOException, InterruptedException {
		return send(context, path).statusCode();
	}

	public static JsonNode get(ConfigurableApplicationContext context, String path)
			throws IOException, InterruptedException {
		return json.readTree(text(context, path));
	}

	public static JsonNode health(ConfigurableApplicationContext context) throws IOException, InterruptedException {
		return get(context, "/actuator/health");
	}

}
