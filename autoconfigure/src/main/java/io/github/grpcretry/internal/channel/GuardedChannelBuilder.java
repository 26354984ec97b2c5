package io.github.grpcretry.internal.channel;

import java.util.Map;
import java.util.function.Function;

import io.github.grpcretry.channel.InvalidChannelCustomizationException;
import io.github.grpcretry.channel.RetryChannelBuilderCustomizer;
import io.github.grpcretry.channel.RetryServiceConfigCustomizer;
import io.grpc.ForwardingChannelBuilder2;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolver;
import org.jspecify.annotations.Nullable;

/**
 * The builder that every {@link RetryChannelBuilderCustomizer} is handed: grpc-java's
 * {@link ForwardingChannelBuilder2} over the client's transport builder, forwarding every setting except those that
 * would drop the client's configured retries without a word. Those fail start-up, naming the customizer:
 * <ul>
 * <li>{@code defaultServiceConfig(...)}, which would replace the whole service config, its retry policies
 * included; amend it with a {@link RetryServiceConfigCustomizer} instead;</li>
 * <li>{@code disableRetry()}, which would turn every retry and hedging policy off;</li>
 * <li>{@code nameResolverFactory(...)}, which would replace the resolver through which the channel takes its
 * service config;</li>
 * <li>{@code disableServiceConfigLookUp()} on a client with {@code service-config-lookup: true};</li>
 * <li>{@code maxRetryAttempts} or {@code maxHedgedAttempts} below the largest {@code max-attempts} of the client's
 * service config, which grpc-java would lower every policy to;</li>
 * <li>{@code build()}: the starter builds the channel once every customizer has run.</li>
 * </ul>
 * It is not the transport's builder, so a customizer cannot cast it to {@code NettyChannelBuilder} or
 * {@code InProcessChannelBuilder}; {@link #transportBuilder(Class)} reaches that one for settings only it has.
 */
public final class GuardedChannelBuilder extends ForwardingChannelBuilder2<GuardedChannelBuilder> {

	private final ManagedChannelBuilder<?> transport;

	private final String clientName;

	private final boolean serviceConfigLookup;

	private final int largestMaxAttempts;

	private final Function<Object, String> customizerNames;

	private @Nullable Object customizer;

	private int retryAttemptsCap;

	private int hedgedAttemptsCap;

	// The retry buffers a customizer set, 0 when none did.
	private long retryBufferSize;

	private long perRpcBufferLimit;

	GuardedChannelBuilder(ManagedChannelBuilder<?> transport, String clientName, boolean serviceConfigLookup,
			int largestMaxAttempts, Function<Object, String> customizerNames) {
		this.transport = transport;
		this.clientName = clientName;
		this.serviceConfigLookup = serviceConfigLookup;
		this.largestMaxAttempts = largestMaxAttempts;
		this.customizerNames = customizerNames;
	}

	@Override
	protected ManagedChannelBuilder<?> delegate() {
		return this.transport;
	}

	/**
	 * The transport's own builder, for settings that only it has (such as {@code NettyChannelBuilder}'s event loop
	 * group). Settings made on it bypass this builder's checks; the starter applies the client's service config, its
	 * retry switch, its service-config lookup and its attempt caps to it again after the last customizer, so they
	 * hold whatever is set there.
	 * @param <T> the transport builder's type
	 * @param type the transport builder's type, such as {@code NettyChannelBuilder.class}
	 * @return the transport's builder
	 * @throws IllegalArgumentException if the client's transport builder is not of that type
	 */
	public <T extends ManagedChannelBuilder<?>> T transportBuilder(Class<T> type) {
		if (!type.isInstance(this.transport)) {
			throw new IllegalArgumentException("The builder of gRPC client '" + this.clientName + "' is a "
					+ this.transport.getClass().getName() + ", not a " + type.getName());
		}
		return type.cast(this.transport);
	}

	@Override
	public GuardedChannelBuilder defaultServiceConfig(@Nullable Map<String, ?> serviceConfig) {
		throw refused("called defaultServiceConfig(...), which would replace the client's whole service config,"
				+ " the retry policies of its properties included, so that its calls would not retry as configured",
				"amend the service config with a " + RetryServiceConfigCustomizer.class.getName()
						+ " bean instead: it sees the client's service config and adds to it");
	}

	@Override
	public GuardedChannelBuilder disableRetry() {
		throw refused("called disableRetry(), which would turn off every retry and hedging policy of the client's"
				+ " service config", "remove the retry and hedging policies from the client's properties instead");
	}

	@Override
	@Deprecated
	@SuppressWarnings("deprecation")
	public GuardedChannelBuilder nameResolverFactory(NameResolver.Factory resolverFactory) {
		throw refused("called nameResolverFactory(...), which would replace the name resolver through which the"
				+ " channel takes its service config, and every change to it while it runs",
				"register a NameResolverProvider in grpc-java's NameResolverRegistry instead: the client's target"
						+ " resolves through it");
	}

	@Override
	public GuardedChannelBuilder disableServiceConfigLookUp() {
		if (this.serviceConfigLookup) {
			throw refused("called disableServiceConfigLookUp() on a client with service-config-lookup: true",
					"set grpc.clients." + this.clientName + ".service-config-lookup to false instead");
		}
		return this;
	}

	@Override
	public GuardedChannelBuilder maxRetryAttempts(int maxRetryAttempts) {
		this.retryAttemptsCap = Math.max(this.retryAttemptsCap, checkCap("maxRetryAttempts", maxRetryAttempts));
		return super.maxRetryAttempts(maxRetryAttempts);
	}

	@Override
	public GuardedChannelBuilder maxHedgedAttempts(int maxHedgedAttempts) {
		this.hedgedAttemptsCap = Math.max(this.hedgedAttemptsCap, checkCap("maxHedgedAttempts", maxHedgedAttempts));
		return super.maxHedgedAttempts(maxHedgedAttempts);
	}

	@Override
	public GuardedChannelBuilder retryBufferSize(long bytes) {
		this.retryBufferSize = bytes;
		return super.retryBufferSize(bytes);
	}

	@Override
	public GuardedChannelBuilder perRpcBufferLimit(long bytes) {
		this.perRpcBufferLimit = bytes;
		return super.perRpcBufferLimit(bytes);
	}

	long retryBufferSize() {
		return this.retryBufferSize;
	}

	long perRpcBufferLimit() {
		return this.perRpcBufferLimit;
	}

	@Override
	public ManagedChannel build() {
		throw refused("called build(), which would make a second channel that nothing shuts down",
				"only configure the builder; the starter builds the channel after the last customizer");
	}

	void customizedBy(Object customizer) {
		this.customizer = customizer;
	}

	/**
	 * The cap on retry attempts a customizer asked for, at least the largest configured {@code max-attempts}.
	 * @return the cap, 0 when no customizer asked for one
	 */
	int retryAttemptsCap() {
		return this.retryAttemptsCap;
	}

	/**
	 * The cap on hedged attempts a customizer asked for, at least the largest configured {@code max-attempts}.
	 * @return the cap, 0 when no customizer asked for one
	 */
	int hedgedAttemptsCap() {
		return this.hedgedAttemptsCap;
	}

	private int checkCap(String method, int cap) {
		if (cap < this.largestMaxAttempts) {
			throw refused("called " + method + "(" + cap + "), below the largest maxAttempts of the client's service"
					+ " config (" + this.largestMaxAttempts + "), to which grpc-java would lower the policy without"
					+ " a word", "remove the call, or lower max-attempts in the client's properties instead");
		}
		return cap;
	}

	private InvalidChannelCustomizationException refused(String problem, String fix) {
		String customizer = (this.customizer != null) ? this.customizerNames.apply(this.customizer) : "(unknown)";
		return new InvalidChannelCustomizationException(this.clientName, customizer, problem, fix, null);
	}

}
