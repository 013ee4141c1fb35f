package io.github.microspring.test.kafka;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link KafkaServer} parameters with one broker shared by every test of the JVM, started on first
 * use and stopped (its data deleted) when the JVM exits. A test that stops or kills it must restart it.
 */
public final class KafkaExtension implements ParameterResolver {

	private static KafkaServer shared;

	/**
	 * @return the JVM-wide broker, started if needed
	 */
	public static synchronized KafkaServer shared() {
		if (shared == null) {
			shared = KafkaServer.start();
			Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "shared-kafka-stop"));
		}
		return shared;
	}

	@Override
	public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
		return parameter.getParameter().getType() == KafkaServer.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
		return shared();
	}

}
