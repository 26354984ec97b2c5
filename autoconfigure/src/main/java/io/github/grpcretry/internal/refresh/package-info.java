/**
 * Internal, not part of the public API: changes a running client's service config when the configuration changes
 * (a refresh), checked by the start-up rules first: applied whole, refused whole, or left for a restart.
 */
@NullMarked
package io.github.grpcretry.internal.refresh;

import org.jspecify.annotations.NullMarked;
