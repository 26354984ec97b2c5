package io.github.grpcretry.internal.metrics;

import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationContext;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationConvention;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * The convention of the call observations of a channel whose authority names no host, such as a {@code unix:}
 * socket's path: another convention's, with the peer named {@code UNKNOWN}, as Micrometer 1.16 and later name it.
 *
 * <p>Micrometer's gRPC interceptor takes a call's peer name from the host of its channel's authority, and finds none
 * there. Micrometer 1.15 (Spring Boot 3.5) then puts the missing name into a key value, which fails the observation as
 * it starts, and so the call; a tracing handler turns that failure into "Span wasn't started". From 1.16 on its
 * default convention names the peer {@code UNKNOWN}: with the name given here, the call's observation, span and
 * meters read the same on every Spring Boot line, and a convention of the application's, written for 1.16, does not
 * fail on 1.15 either.
 */
final class UnknownPeerObservationConvention implements GrpcClientObservationConvention {

	/** The peer name of a call whose channel's authority names no host, Micrometer's own from 1.16 on. */
	static final String UNKNOWN = "UNKNOWN";

	private final GrpcClientObservationConvention delegate;

	UnknownPeerObservationConvention(GrpcClientObservationConvention delegate) {
		this.delegate = delegate;
	}

	@Override
	public @Nullable String getName() {
		return this.delegate.getName();
	}

	@Override
	public @Nullable String getContextualName(GrpcClientObservationContext context) {
		return this.delegate.getContextualName(withPeerName(context));
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(GrpcClientObservationContext context) {
		return this.delegate.getLowCardinalityKeyValues(withPeerName(context));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(GrpcClientObservationContext context) {
		return this.delegate.getHighCardinalityKeyValues(withPeerName(context));
	}

	@Override
	public boolean supportsContext(Observation.Context context) {
		return this.delegate.supportsContext(context);
	}

	// Named in the context itself, before any convention reads it: every key value and handler sees one name.
	private static GrpcClientObservationContext withPeerName(GrpcClientObservationContext context) {
		if (context.getPeerName() == null) {
			context.setPeerName(UNKNOWN);
		}
		return context;
	}

}
