package io.github.microspring.tracing;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.kafka.config.AbstractKafkaListenerContainerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;

/**
 * Switches observation on for the {@link KafkaTemplate}s and listener containers an application declares
 * itself, as {@code spring.kafka.template.observation-enabled} and
 * {@code spring.kafka.listener.observation-enabled} (which the starter defaults to true) do for Boot's own: a
 * record sent in a trace carries it in its headers, and the listener that consumes it continues it.
 */
final class KafkaObservation implements BeanPostProcessor {

	private final boolean template;

	private final boolean listener;

	KafkaObservation(boolean template, boolean listener) {
		this.template = template;
		this.listener = listener;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (this.template && bean instanceof KafkaTemplate<?, ?> kafkaTemplate) {
			kafkaTemplate.setObservationEnabled(true);
		}
		else if (this.listener && bean instanceof AbstractKafkaListenerContainerFactory<?, ?, ?> factory) {
			factory.getContainerProperties().setObservationEnabled(true);
		}
		else if (this.listener && bean instanceof AbstractMessageListenerContainer<?, ?> container) {
			container.getContainerProperties().setObservationEnabled(true);
		}
		return bean;
	}

}
