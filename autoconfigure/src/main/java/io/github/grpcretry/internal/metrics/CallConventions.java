package io.github.grpcretry.internal.metrics;

import java.net.URI;
import java.net.URISyntaxException;

import io.grpc.MethodDescriptor;
import io.micrometer.core.instrument.binder.grpc.DefaultGrpcClientObservationConvention;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationConvention;
import io.micrometer.core.instrument.binder.grpc.ObservationGrpcClientInterceptor;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * The conventions of one {@link CallObservationInterceptor}'s call observations, each in the Micrometer interceptor
 * that observes with it, and which of them observes a call.
 *
 * <p>A method built at run time gets {@link OtherMethodObservationConvention}. A generated method gets the
 * application's convention or, without one, the convention Micrometer picks for its own interceptor (a global one of
 * the registry's, else its default), unless its channel's authority names no host: then the peer is named
 * {@code UNKNOWN} first ({@link UnknownPeerObservationConvention}), since Micrometer 1.15 would fail the call. The
 * application's convention and Micrometer's default are always wrapped that way.
 */
final class CallConventions {

	private final ObservationGrpcClientInterceptor generatedMethods;

	// The same as generatedMethods when the application has a convention, which both wrap.
	private final ObservationGrpcClientInterceptor generatedMethodsOfUnknownPeers;

	private final ObservationGrpcClientInterceptor runTimeBuiltMethods;

	// The authority of the last call, and whether it names a host: a channel's authority never changes.
	private volatile @Nullable Authority lastAuthority;

	CallConventions(ObservationRegistry registry, @Nullable GrpcClientObservationConvention convention) {
		GrpcClientObservationConvention namingThePeer = new UnknownPeerObservationConvention(
				(convention != null) ? convention : new DefaultGrpcClientObservationConvention());
		this.generatedMethods = interceptor(registry, (convention != null) ? namingThePeer : null);
		this.generatedMethodsOfUnknownPeers = (convention != null) ? this.generatedMethods
				: interceptor(registry, namingThePeer);
		this.runTimeBuiltMethods = interceptor(registry, new OtherMethodObservationConvention(namingThePeer));
	}

	private static ObservationGrpcClientInterceptor interceptor(ObservationRegistry registry,
			@Nullable GrpcClientObservationConvention convention) {
		ObservationGrpcClientInterceptor interceptor = new ObservationGrpcClientInterceptor(registry);
		interceptor.setCustomConvention(convention);
		return interceptor;
	}

	/**
	 * The Micrometer interceptor that observes a call with its convention.
	 * @param method the call's method
	 * @param authority the authority of the call's channel
	 * @return the interceptor
	 */
	ObservationGrpcClientInterceptor observing(MethodDescriptor<?, ?> method, String authority) {
		if (!method.isSampledToLocalTracing()) {
			return this.runTimeBuiltMethods;
		}
		if (this.generatedMethodsOfUnknownPeers == this.generatedMethods) {
			return this.generatedMethods;
		}
		Authority last = this.lastAuthority;
		if (last == null || !last.authority().equals(authority)) {
			last = new Authority(authority, host(authority) != null);
			this.lastAuthority = last;
		}
		return last.namesHost() ? this.generatedMethods : this.generatedMethodsOfUnknownPeers;
	}

	// As Micrometer's interceptor reads a call's peer name from its channel's authority.
	private static @Nullable String host(String authority) {
		try {
			return new URI(null, authority, null, null, null).getHost();
		}
		catch (URISyntaxException ex) {
			return null;
		}
	}

	private record Authority(String authority, boolean namesHost) {
	}

}
