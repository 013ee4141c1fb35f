package io.github.microspring.test.redis;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link RedisCluster} parameters with one 3-master cluster shared by every test of the JVM, started
 * on first use and stopped when the JVM exits.
 */
public final class RedisClusterExtension implements ParameterResolver {

	private static RedisCluster shared;

	public static synchronized RedisCluster shared() {
		if (shared == null) {
			shared = RedisCluster.start(3);
			Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "shared-redis-cluster-stop"));
		}
		return shared;
	}

	@Override
	public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
		return parameter.getParameter().getType() == RedisCluster.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
		return shared();
	}

}
