package io.github.microspring.etcd;

import io.etcd.jetcd.Client;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;

/**
 * The jetcd {@link Client} shared by registration and discovery.
 */
@AutoConfiguration(after = SslAutoConfiguration.class)
@ConditionalOnClass(Client.class)
@EnableConfigurationProperties(EtcdProperties.class)
public class EtcdAutoConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	Client etcdClient(EtcdProperties properties, ObjectProvider<SslBundles> sslBundles,
			ObjectProvider<EtcdClientBuilderCustomizer> customizers) {
		return EtcdClientFactory.create(properties, sslBundles.getIfAvailable(), customizers.orderedStream().toList());
	}

}
