package io.github.microspring.metadata;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MetadataHeadersTests {

	private final AtomicInteger dropped = new AtomicInteger();

	@Test
	void carriesExactNamesAndPrefixesIgnoringCase() {
		MetadataHeaders headers = headers(List.of("X-User", "X-Meta-*"), 16, 4096, true);
		Metadata metadata = headers.read(List.of("x-user", "X-META-Tenant", "X-Other", "Accept"),
				Map.of("x-user", "alice", "X-META-Tenant", "acme", "X-Other", "no", "Accept", "*/*")::get);
		assertThat(metadata.asMap()).containsExactly(Map.entry("x-user", "alice"), Map.entry("X-META-Tenant", "acme"));
		assertThat(metadata.get("X-User")).isEqualTo("alice");
		assertThat(metadata.get("x-meta-tenant")).isEqualTo("acme");
	}

	@Test
	void secretsAndHopByHopHeadersNeverMatchAPrefix() {
		MetadataHeaders headers = headers(List.of("*"), 16, 4096, true);
		assertThat(headers.isCarried("X-User")).isTrue();
		for (String guarded : List.of("Authorization", "cookie", "Host", "Connection", "Transfer-Encoding",
				"Proxy-Authorization", "Upgrade", "TE", "Keep-Alive")) {
			assertThat(headers.isCarried(guarded)).as(guarded).isFalse();
		}
	}

	@Test
	void secretsAreCarriedWhenNamedOneByOne() {
		MetadataHeaders headers = headers(List.of("Authorization"), 16, 4096, true);
		assertThat(headers.isCarried("authorization")).isTrue();
		assertThat(headers.isCarried("Cookie")).isFalse();
	}

	@Test
	void tooManyEntriesRejectTheRequest() {
		MetadataHeaders headers = headers(List.of("X-*"), 2, 4096, true);
		assertThat(headers.read(List.of("X-A", "X-B", "X-C"), (name) -> "v")).isNull();
		assertThat(headers.read(List.of("X-A", "X-B"), (name) -> "v").asMap()).hasSize(2);
	}

	@Test
	void tooManyBytesRejectTheRequest() {
		MetadataHeaders headers = headers(List.of("X-*"), 16, 10, true);
		assertThat(headers.read(List.of("X-A"), (name) -> "12345678")).isNull();
		assertThat(headers.read(List.of("X-A"), (name) -> "1234567").asMap()).containsEntry("X-A", "1234567");
	}

	@Test
	void overLimitEntriesAreDroppedAndCountedWhenSoConfigured() {
		MetadataHeaders headers = headers(List.of("X-*"), 2, 4096, false);
		Metadata metadata = headers.read(List.of("X-A", "X-B", "X-C", "X-D"), (name) -> "v");
		assertThat(metadata.asMap()).containsOnlyKeys("X-A", "X-B");
		assertThat(this.dropped).hasValue(2);
	}

	@Test
	void kafkaRecordsAreReadLenientlyWhateverTheSetting() {
		MetadataHeaders headers = headers(List.of("X-*"), 1, 4096, true);
		assertThat(headers.readLenient(List.of("X-A", "X-B"), (name) -> "v").asMap()).containsOnlyKeys("X-A");
		assertThat(this.dropped).hasValue(1);
	}

	@Test
	void pairsFromNettysStoreKeepTheFirstValueOfANameAndTheSameLimits() {
		MetadataHeaders headers = headers(List.of("X-User", "X-Meta-*"), 2, 4096, true);
		List<Map.Entry<CharSequence, CharSequence>> pairs = List.of(Map.entry(new StringBuilder("x-user"), "alice"),
				Map.entry("Authorization", "secret"), Map.entry("X-USER", "mallory"), Map.entry("X-Meta-Tenant", "acme"),
				Map.entry("Accept", "*/*"));
		Metadata metadata = headers.readPairs(pairs.iterator());
		assertThat(metadata.asMap()).containsExactly(Map.entry("x-user", "alice"), Map.entry("X-Meta-Tenant", "acme"));
		List<Map.Entry<CharSequence, CharSequence>> tooMany = List.of(Map.entry("X-Meta-A", "1"),
				Map.entry("X-Meta-B", "2"), Map.entry("X-Meta-C", "3"));
		assertThat(headers.readPairs(tooMany.iterator())).isNull();
	}

	@Test
	void namesOutsideAsciiMatchIgnoringCaseAsBefore() {
		MetadataHeaders headers = headers(List.of("X-Grüße", "X-Ü-*"), 16, 4096, true);
		assertThat(headers.isCarried("x-GRÜSSE")).isFalse();
		assertThat(headers.isCarried("x-grÜße")).isTrue();
		assertThat(headers.isCarried("x-ü-tenant")).isTrue();
		assertThat(headers.isCarried("X-Grüßer")).isFalse();
	}

	@Test
	void metadataIsImmutableAndScoped() {
		Map<String, String> entries = new LinkedHashMap<>();
		entries.put("X-User", "alice");
		Metadata metadata = Metadata.of(entries);
		entries.put("X-User", "mallory");
		assertThat(metadata.get("X-User")).isEqualTo("alice");
		assertThat(Metadata.current().isEmpty()).isTrue();
		try (Metadata.Scope scope = metadata.open()) {
			assertThat(Metadata.current().get("x-user")).isEqualTo("alice");
			assertThat(Metadata.current().with("X-USER", "bob").asMap()).containsExactly(Map.entry("X-USER", "bob"));
		}
		assertThat(Metadata.current().isEmpty()).isTrue();
	}

	private MetadataHeaders headers(List<String> patterns, int maxEntries, long maxBytes, boolean reject) {
		return new MetadataHeaders(patterns, maxEntries, maxBytes, reject, this.dropped::incrementAndGet);
	}

}
