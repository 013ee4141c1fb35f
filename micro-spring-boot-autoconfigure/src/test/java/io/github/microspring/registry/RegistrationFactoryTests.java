package io.github.microspring.registry;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.commons.util.InetUtils;
import org.springframework.cloud.commons.util.InetUtilsProperties;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class RegistrationFactoryTests {

	private final InetUtils inetUtils = new InetUtils(new InetUtilsProperties());

	@Test
	void registersTheAddressTheWebServerIsBoundTo() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.application.name", "svc")
			.withProperty("server.address", "127.0.0.1");
		EtcdRegistration registration = RegistrationFactory.create(new RegistryProperties(), environment, null,
				this.inetUtils);
		assertThat(registration.getHost()).isEqualTo("127.0.0.1");
	}

	@Test
	void wildcardBindingFallsBackToTheMachinesAddress() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.application.name", "svc")
			.withProperty("server.address", "0.0.0.0");
		EtcdRegistration registration = RegistrationFactory.create(new RegistryProperties(), environment, null,
				this.inetUtils);
		assertThat(registration.getHost()).isEqualTo(this.inetUtils.findFirstNonLoopbackHostInfo().getIpAddress());
	}

	@Test
	void configuredValuesWin() {
		RegistryProperties properties = new RegistryProperties();
		properties.setServiceName("named");
		properties.setAddress("svc.internal");
		properties.setVersion("2.0.0");
		properties.setNodeId("node-7");
		properties.setPort(9000);
		properties.getMetadata().put("zone", "b");
		MockEnvironment environment = new MockEnvironment().withProperty("spring.application.name", "ignored")
			.withProperty("server.address", "127.0.0.1");
		EtcdRegistration registration = RegistrationFactory.create(properties, environment, "1.0.0", this.inetUtils);
		assertThat(registration.getServiceId()).isEqualTo("named");
		assertThat(registration.getHost()).isEqualTo("svc.internal");
		assertThat(registration.getInstanceId()).isEqualTo("node-7");
		assertThat(registration.getPort()).isEqualTo(9000);
		assertThat(registration.getMetadata()).containsEntry("version", "2.0.0").containsEntry("zone", "b");
	}

	@Test
	void versionFallsBackToTheBuildVersionThenLatest() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.application.name", "svc");
		assertThat(RegistrationFactory.create(new RegistryProperties(), environment, "3.1.4", this.inetUtils)
			.getVersion()).isEqualTo("3.1.4");
		assertThat(RegistrationFactory.create(new RegistryProperties(), environment, null, this.inetUtils)
			.getVersion()).isEqualTo("latest");
	}

	@Test
	void nodeIdIsTheServiceNameAndAUniqueSuffix() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.application.name", "svc");
		String first = RegistrationFactory.create(new RegistryProperties(), environment, null, this.inetUtils)
			.getInstanceId();
		String second = RegistrationFactory.create(new RegistryProperties(), environment, null, this.inetUtils)
			.getInstanceId();
		assertThat(first).startsWith("svc-").isNotEqualTo(second);
	}

}
