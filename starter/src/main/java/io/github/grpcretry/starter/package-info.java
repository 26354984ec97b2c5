/**
 * The one dependency users add: it brings the auto-configuration ({@code grpc-retry-spring-boot-autoconfigure}, and
 * {@code grpc-retry-spring-boot-autoconfigure-boot3} for Spring Boot 3.5's health types), Spring Boot's starter,
 * grpc-java's Netty transport ({@code grpc-netty-shaded}) and stubs ({@code grpc-stub}), and Micrometer. It has no
 * code of its own; this package documents it, so that its sources and Javadoc jars say what it is.
 */
package io.github.grpcretry.starter;
