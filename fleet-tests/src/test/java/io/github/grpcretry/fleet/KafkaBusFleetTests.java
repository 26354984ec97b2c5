package io.github.grpcretry.fleet;

import java.util.Map;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The fleet linked by Spring Cloud Bus over Kafka: a real Kafka broker (KRaft) in the test's JVM, on loopback.
 */
class KafkaBusFleetTests extends AbstractBusFleetTests {

	private EmbeddedKafkaKraftBroker broker;

	@Override
	void startBroker() {
		this.broker = new EmbeddedKafkaKraftBroker(1, 1);
		this.broker.afterPropertiesSet();
	}

	@Override
	Map<String, Object> brokerProperties() {
		return Map.of("spring.cloud.stream.kafka.binder.brokers", this.broker.getBrokersAsString(),
				// Where the RabbitMQ binder is on the class path too, Spring Cloud Stream needs to be told which
				"spring.cloud.stream.default-binder", "kafka");
	}

	@Override
	void stopBroker() {
		if (this.broker != null) {
			this.broker.destroy();
		}
	}

}
