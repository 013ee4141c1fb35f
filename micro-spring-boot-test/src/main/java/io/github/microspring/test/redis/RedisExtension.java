package io.github.microspring.test.redis;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link RedisServer} parameters with one Redis shared by every test of the JVM, started on
 * first use and stopped when the JVM exits. A test that stops or kills it must restart it.
 */
public final class RedisExtension implements ParameterResolver {

	private static RedisServer shared;

	public static synchronized RedisServer shared() {
		if (shared == null) {
			shared = RedisServer.start();
			Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "shared-redis-stop"));
		}
		return shared;
	}

	@Override
	public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
		return parameter.getParameter().getType() == RedisServer.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
		return shared();
	}

}
