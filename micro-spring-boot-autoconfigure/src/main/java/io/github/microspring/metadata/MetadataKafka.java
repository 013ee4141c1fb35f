package io.github.microspring.metadata;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import org.springframework.beans.BeansException;
import org.springframework.beans.DirectFieldAccessor;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.kafka.config.AbstractKafkaListenerContainerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.CompositeRecordInterceptor;
import org.springframework.kafka.listener.RecordInterceptor;
import org.springframework.kafka.support.CompositeProducerInterceptor;
import org.springframework.lang.Nullable;

/**
 * Metadata in Kafka record headers: every {@link KafkaTemplate} writes the current metadata into the records
 * it sends, every listener container factory restores it from the record for the listener. Both are added to
 * what the application or another feature set (composed, never replaced), once.
 */
final class MetadataKafka implements BeanPostProcessor {

	private final MetadataHeaders headers;

	@Nullable
	private final MetadataMdc mdc;

	MetadataKafka(MetadataHeaders headers, @Nullable MetadataMdc mdc) {
		this.headers = headers;
		this.mdc = mdc;
	}

	@Override
	@SuppressWarnings({ "unchecked", "rawtypes" })
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof KafkaTemplate template) {
			Object existing = new DirectFieldAccessor(template).getPropertyValue("producerInterceptor");
			if (!holds(existing, "delegates", Producing.class)) {
				template.setProducerInterceptor((existing != null)
						? new CompositeProducerInterceptor((ProducerInterceptor) existing, new Producing())
						: new Producing());
			}
		}
		else if (bean instanceof AbstractKafkaListenerContainerFactory factory) {
			Object existing = new DirectFieldAccessor(factory).getPropertyValue("recordInterceptor");
			if (!holds(existing, "delegates", Consuming.class)) {
				Consuming consuming = new Consuming(this.headers, this.mdc);
				// ours first, so that the application's interceptor already sees the metadata
				factory.setRecordInterceptor((existing != null)
						? new CompositeRecordInterceptor(consuming, (RecordInterceptor) existing) : consuming);
			}
		}
		return bean;
	}

	private static boolean holds(@Nullable Object interceptor, String field, Class<?> type) {
		if (interceptor == null) {
			return false;
		}
		if (type.isInstance(interceptor)) {
			return true;
		}
		if (interceptor instanceof CompositeProducerInterceptor || interceptor instanceof CompositeRecordInterceptor) {
			Object delegates = new DirectFieldAccessor(interceptor).getPropertyValue(field);
			if (delegates instanceof Iterable<?> all) {
				for (Object delegate : all) {
					if (holds(delegate, field, type)) {
						return true;
					}
				}
			}
		}
		return false;
	}

	/**
	 * Runs in {@link KafkaTemplate#send} on the sending thread, where the metadata is current.
	 */
	static final class Producing implements ProducerInterceptor<Object, Object> {

		@Override
		public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
			Metadata metadata = Metadata.current();
			if (metadata.isEmpty()) {
				return record;
			}
			Headers headers = record.headers();
			for (Map.Entry<String, String> entry : metadata.asMap().entrySet()) {
				if (headers.lastHeader(entry.getKey()) == null) {
					headers.add(entry.getKey(), entry.getValue().getBytes(StandardCharsets.UTF_8));
				}
			}
			return record;
		}

		@Override
		public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
		}

		@Override
		public void close() {
		}

		@Override
		public void configure(Map<String, ?> configs) {
		}

	}

	/**
	 * Binds the metadata of a record to the consumer thread while the listener handles it. Records from
	 * producers outside are read with the same rules and limits as HTTP requests; over the limits, the
	 * entries past them are left out (a record cannot be answered with a 431).
	 */
	static final class Consuming implements RecordInterceptor<Object, Object> {

		private final MetadataHeaders headers;

		@Nullable
		private final MetadataMdc mdc;

		Consuming(MetadataHeaders headers, @Nullable MetadataMdc mdc) {
			this.headers = headers;
			this.mdc = mdc;
		}

		@Override
		public ConsumerRecord<Object, Object> intercept(ConsumerRecord<Object, Object> record,
				Consumer<Object, Object> consumer) {
			List<String> names = new ArrayList<>();
			for (Header header : record.headers()) {
				if (this.headers.isCarried(header.key())) {
					names.add(header.key());
				}
			}
			Metadata metadata = names.isEmpty() ? Metadata.empty()
					: this.headers.readLenient(names, (name) -> text(record.headers().lastHeader(name)));
			ChainContext.set(ChainContext.current().withMetadata(metadata));
			if (this.mdc != null) {
				this.mdc.put(metadata);
			}
			return record;
		}

		@Override
		public void afterRecord(ConsumerRecord<Object, Object> record, Consumer<Object, Object> consumer) {
			if (this.mdc != null) {
				this.mdc.remove(Metadata.current());
			}
			ChainContext context = ChainContext.bound();
			ChainContext.set((context != null && context.deadline() != null) ? context.withMetadata(Metadata.empty())
					: null);
		}

		@Nullable
		private static String text(@Nullable Header header) {
			return (header != null && header.value() != null) ? new String(header.value(), StandardCharsets.UTF_8)
					: null;
		}

	}

}
