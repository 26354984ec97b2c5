package io.github.grpcretry.fleet;

import java.util.Map;

/**
 * The fleet linked by Spring Cloud Bus over RabbitMQ: Debian's {@code rabbitmq-server}, started by the test on
 * loopback. On one Spring Boot line only: the Bus and the starter are the same on every line, the Kafka tests run on
 * each.
 */
class RabbitBusFleetTests extends AbstractBusFleetTests {

	private RabbitMqServer broker;

	@Override
	void startBroker() throws Exception {
		this.broker = RabbitMqServer.start();
	}

	@Override
	Map<String, Object> brokerProperties() {
		return Map.of("spring.rabbitmq.host", "127.0.0.1", "spring.rabbitmq.port", this.broker.port(),
				// Kafka's binder is on the class path too: Spring Cloud Stream needs to be told which
				"spring.cloud.stream.default-binder", "rabbit");
	}

	@Override
	void stopBroker() {
		if (this.broker != null) {
			this.broker.close();
		}
	}

}
