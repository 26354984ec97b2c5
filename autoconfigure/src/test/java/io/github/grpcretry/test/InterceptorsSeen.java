package io.github.grpcretry.test;

import java.util.List;

import io.grpc.ClientInterceptor;
import io.grpc.ForwardingChannelBuilder2;
import io.grpc.ManagedChannelBuilder;
import io.grpc.inprocess.InProcessChannelBuilder;

/**
 * A channel builder that only notes the interceptors it is given, to see what a customizer adds; it builds nothing.
 */
public final class InterceptorsSeen extends ForwardingChannelBuilder2<InterceptorsSeen> {

	private final ManagedChannelBuilder<?> delegate = InProcessChannelBuilder.forName("interceptors-seen");

	private final List<ClientInterceptor> seen;

	/**
	 * Creates a builder that notes the interceptors it is given.
	 * @param seen where each interceptor is added, in order
	 */
	public InterceptorsSeen(List<ClientInterceptor> seen) {
		this.seen = seen;
	}

	@Override
	protected ManagedChannelBuilder<?> delegate() {
		return this.delegate;
	}

	@Override
	public InterceptorsSeen intercept(ClientInterceptor... interceptors) {
		this.seen.addAll(List.of(interceptors));
		return this;
	}

}
