/**
 * The sample: an echo server that fails on purpose, called through channels configured only in {@code application.yml}.
 */
@NullMarked
package io.github.grpcretry.sample;

import org.jspecify.annotations.NullMarked;
