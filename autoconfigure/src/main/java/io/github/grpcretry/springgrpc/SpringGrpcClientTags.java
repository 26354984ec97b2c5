package io.github.grpcretry.springgrpc;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.github.grpcretry.internal.channel.TargetCredentials;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The {@code client} tag of a channel that Spring gRPC's channel factory builds, from the target the channel was asked
 * for: the channel's name when the user configured a channel of that name, else the target as an address, without its
 * credentials ({@link TargetCredentials#masked}); past {@value #MAX_ADDRESSES} distinct addresses, {@value #OTHER}, so
 * that an application that makes a channel per discovered instance keeps a bounded number of tag values.
 */
final class SpringGrpcClientTags {

	/** How many distinct addresses become tag values of their own. */
	static final int MAX_ADDRESSES = 100;

	/** The tag of the channels made for an address past the first {@value #MAX_ADDRESSES}. */
	static final String OTHER = "other";

	// Where each line's Spring gRPC configures its named channels: Spring gRPC 0.9 and 1.0, then Spring Boot 4.1.
	private static final List<String> CHANNEL_MAPS = List.of("spring.grpc.client.channels",
			"spring.grpc.client.channel");

	// Spring gRPC's channel of that name always exists: spring.grpc.client.default-channel, or Boot 4.1's own default.
	private static final String DEFAULT_CHANNEL = "default";

	private final Set<String> channelNames;

	private final Object lock = new Object();

	// The addresses that became tag values of their own.
	@GuardedBy("lock")
	private final Set<String> addresses = new HashSet<>();

	SpringGrpcClientTags(Set<String> channelNames) {
		this.channelNames = Set.copyOf(channelNames);
	}

	/**
	 * The tags for the channels configured in the environment, read once: Spring gRPC binds its channels once too.
	 * @param environment the application's environment
	 * @return the tags
	 */
	static SpringGrpcClientTags of(Environment environment) {
		Binder binder = Binder.get(environment);
		Set<String> names = new HashSet<>();
		names.add(DEFAULT_CHANNEL);
		for (String channels : CHANNEL_MAPS) {
			binder.bind(channels, Bindable.mapOf(String.class, Object.class))
				.ifBound((configured) -> names.addAll(configured.keySet()));
		}
		return new SpringGrpcClientTags(names);
	}

	/**
	 * The tag of a channel asked for by the given target.
	 * @param target the channel name or address the channel was asked for
	 * @return its {@code client} tag
	 */
	String tag(String target) {
		if (this.channelNames.contains(target)) {
			return target;
		}
		String address = TargetCredentials.masked(target);
		synchronized (this.lock) {
			if (this.addresses.contains(address)) {
				return address;
			}
			if (this.addresses.size() < MAX_ADDRESSES) {
				this.addresses.add(address);
				return address;
			}
		}
		return OTHER;
	}

}
