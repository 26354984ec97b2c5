package io.github.grpcretry.internal.actuate;

import io.github.grpcretry.actuate.ClientFigures;
import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import io.grpc.ConnectivityState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The view of the clients that the endpoint and the health contributors of every Spring Boot line read.
 */
class GrpcClientsViewTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GrpcRetryAutoConfiguration.class))
		.withPropertyValues("grpc.clients.echo.address=127.0.0.1:1", "grpc.clients.echo.negotiation-type=plaintext");

	@Test
	void withoutMeterRegistryTheFiguresAreAbsent() {
		this.contextRunner.run((context) -> assertThat(context.getBean(GrpcClientsView.class).figures("echo")).isNull());
	}

	@Test
	void withMeterRegistryAClientWithoutCallsHasZeroFiguresAndNoShare() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run((context) -> {
			ClientFigures figures = context.getBean(GrpcClientsView.class).figures("echo");
			assertThat(figures).isNotNull();
			assertThat(figures.calls()).isZero();
			assertThat(figures.attempts()).containsOnlyKeys("initial", "retry", "hedge", "transparent_retry");
			assertThat(figures.successWithRetryShare()).isNull();
		});
	}

	@Test
	void unknownClientHasNoSettings() {
		this.contextRunner.run((context) -> assertThat(context.getBean(GrpcClientsView.class).settings("nope")).isNull());
	}

	@Test
	void channelShutDownWithTheContextIsOutOfService() {
		GrpcClientsView[] view = new GrpcClientsView[1];
		this.contextRunner.run((context) -> {
			view[0] = context.getBean(GrpcClientsView.class);
			assertThat(view[0].health("echo")).isEqualTo(ClientHealth.UP);
		});
		assertThat(view[0].state("echo")).isEqualTo(ConnectivityState.SHUTDOWN);
		assertThat(view[0].health("echo")).isEqualTo(ClientHealth.OUT_OF_SERVICE);
	}

	@Test
	void onlyTransientFailureIsDown() {
		assertThat(ClientHealth.of(ConnectivityState.TRANSIENT_FAILURE)).isEqualTo(ClientHealth.DOWN);
		assertThat(ClientHealth.of(ConnectivityState.IDLE)).isEqualTo(ClientHealth.UP);
		assertThat(ClientHealth.of(ConnectivityState.CONNECTING)).isEqualTo(ClientHealth.UP);
		assertThat(ClientHealth.of(ConnectivityState.READY)).isEqualTo(ClientHealth.UP);
		assertThat(ClientHealth.of(null)).isEqualTo(ClientHealth.UNKNOWN);
	}

}
