/**
 * JMH benchmarks of the starter's channels beside a plain grpc-java channel and the instrumentation users would
 * otherwise install.
 */
@NullMarked
package io.github.grpcretry.benchmarks;

import org.jspecify.annotations.NullMarked;
