package io.github.grpcretry.compatibility;

import io.github.grpcretry.test.GrpcJavaUnderTest;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tests run on the grpc-java the build names: 1.84.1, or the version of the profile {@code grpc-java-1.83} or
 * {@code grpc-java-1.85}, every io.grpc jar of it (grpc-bom), so that a run on another grpc-java really is one.
 */
class GrpcJavaUnderTestTests {

	@Test
	void everyGrpcJavaJarIsTheVersionTheBuildNames() {
		String named = System.getProperty("grpc-java.version");
		assertThat(named).as("grpc-java.version, set by the build").isNotBlank();
		assertThat(GrpcJavaUnderTest.version()).isEqualTo(named);
		for (Class<?> type : new Class<?>[] { ManagedChannel.class, InProcessChannelBuilder.class,
				NettyChannelBuilder.class, ProtoUtils.class, ClientCalls.class }) {
			assertThat(type.getPackage().getImplementationVersion()).as(type.getName()).isEqualTo(named);
		}
	}

}
