package io.github.grpcretry.benchmarks;

/**
 * How a benchmark's client reaches its server.
 */
public enum Transport {

	/** grpc-java's in-process transport, with direct executors: no I/O, so instrumentation costs show most. */
	INPROCESS,

	/** Netty over loopback TCP, as a real service would be reached. */
	NETTY

}
