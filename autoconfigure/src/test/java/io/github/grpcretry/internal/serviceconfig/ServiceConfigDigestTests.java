package io.github.grpcretry.internal.serviceconfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.grpcretry.autoconfigure.BoundClientProperties;
import io.github.grpcretry.properties.ClientProperties;
import io.github.grpcretry.test.UserProperties;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The digest a fleet compares: the same for the same config however its maps are ordered or its numbers written,
 * and the one a user computes from the canonical JSON with any SHA-256 tool.
 */
class ServiceConfigDigestTests {

	// What Python's json.dumps(config, sort_keys=True, separators=(",", ":")) writes for this config (numbers as
	// written here), and the first 12 hex digits of hashlib.sha256 of it: an implementation apart from this one.
	private static final String CANONICAL = "{\"loadBalancingConfig\":[{\"round_robin\":{}}],"
			+ "\"methodConfig\":[{\"name\":[{\"service\":\"echo.Echo\"}],"
			+ "\"retryPolicy\":{\"backoffMultiplier\":1.5,\"initialBackoff\":\"0.05s\","
			+ "\"maxAttempts\":4,\"retryableStatusCodes\":[\"UNAVAILABLE\"]}}],"
			+ "\"retryThrottling\":{\"maxTokens\":10,\"tokenRatio\":0.1}}";

	private static final String DIGEST = "316ba2342bb5";

	@Test
	void theCanonicalJsonSortsKeysWritesWholeNumbersWithoutAFractionAndHasNoWhitespace() {
		assertThat(ServiceConfigDigest.canonicalJson(config())).isEqualTo(CANONICAL);
		assertThat(ServiceConfigDigest.of(config())).isEqualTo(DIGEST);
	}

	@Test
	void theOrderOfAMapsKeysChangesNothing() {
		Map<String, Object> reversed = new LinkedHashMap<>();
		reversed.put("retryThrottling", Map.of("tokenRatio", 0.1, "maxTokens", 10.0));
		reversed.put("methodConfig", config().get("methodConfig"));
		reversed.put("loadBalancingConfig", config().get("loadBalancingConfig"));
		assertThat(ServiceConfigDigest.of(reversed)).isEqualTo(DIGEST);
	}

	@Test
	void anyChangeGrpcJavaWouldSeeChangesTheDigest() {
		Map<String, Object> changed = new LinkedHashMap<>(config());
		changed.put("retryThrottling", Map.of("maxTokens", 10.0, "tokenRatio", 0.2));
		assertThat(ServiceConfigDigest.of(changed)).isNotEqualTo(DIGEST).hasSize(12).matches("[0-9a-f]{12}");
	}

	@Test
	void theConfigTheMapperMakesIsCanonicalWhateverTheDurationsAndNumbersSpelling() {
		ClientProperties written = client("50ms", "2");
		ClientProperties spelledAnotherWay = client(".05s", "2.0");
		assertThat(ServiceConfigDigest.of(ServiceConfigMapper.toServiceConfig(written)))
			.isEqualTo(ServiceConfigDigest.of(ServiceConfigMapper.toServiceConfig(spelledAnotherWay)));
	}

	@Test
	void numbersTakeTheFewestDigitsThatReadBackAsTheSameDouble() {
		assertThat(ServiceConfigDigest.number(4.0)).isEqualTo("4");
		assertThat(ServiceConfigDigest.number(-3.0)).isEqualTo("-3");
		assertThat(ServiceConfigDigest.number(0.1)).isEqualTo("0.1");
		assertThat(ServiceConfigDigest.number(1.5)).isEqualTo("1.5");
		assertThat(ServiceConfigDigest.number(0.1 + 0.2)).isEqualTo("0.30000000000000004");
		assertThat(ServiceConfigDigest.number(1e-7)).isEqualTo("0.0000001");
		assertThat(ServiceConfigDigest.number(1e20)).isEqualTo("100000000000000000000");
		assertThatIllegalArgumentException().isThrownBy(() -> ServiceConfigDigest.number(Double.NaN));
	}

	@Test
	void stringsAreEscapedAsJsonEscapesThem() {
		assertThat(ServiceConfigDigest.canonicalJson(Map.of("k", "a\"b\\c\n\u0001")))
			.isEqualTo("{\"k\":\"a\\\"b\\\\c\\n\\u0001\"}");
	}

	private static Map<String, Object> config() {
		Map<String, Object> config = new LinkedHashMap<>();
		config.put("methodConfig", List.of(Map.of("name", List.of(Map.of("service", "echo.Echo")), "retryPolicy",
				Map.of("maxAttempts", 4.0, "initialBackoff", "0.05s", "backoffMultiplier", 1.5, "retryableStatusCodes",
						List.of("UNAVAILABLE")))));
		config.put("retryThrottling", Map.of("maxTokens", 10.0, "tokenRatio", 0.1));
		config.put("loadBalancingConfig", List.of(Map.of("round_robin", Map.of())));
		return config;
	}

	private static ClientProperties client(String backoff, String multiplier) {
		String entry = "grpc.clients.echo.method-config[0].";
		return BoundClientProperties.of(new UserProperties().with("grpc.clients.echo.address", "localhost:50051")
			.with(entry + "name[0].service", "echo.Echo")
			.with(entry + "retry-policy.max-attempts", "4")
			.with(entry + "retry-policy.initial-backoff", backoff)
			.with(entry + "retry-policy.max-backoff", "1s")
			.with(entry + "retry-policy.backoff-multiplier", multiplier)
			.with(entry + "retry-policy.retryable-status-codes", "UNAVAILABLE")).properties().clients().get("echo");
	}

}
