package io.github.grpcretry.sample;

import java.time.Duration;

import io.grpc.Status;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What the sample does: which demo, how many calls, and how its echo server misbehaves.
 *
 * @param port port of the echo server, which the clients' addresses use
 * @param mode {@code retry} for the seed articles' failing server, {@code hedging} for a slow first attempt
 * @param calls how many calls to make
 * @param succeedEvery retry mode: only every n-th request the server receives succeeds, the others fail
 * @param failWith retry mode: the status the failing requests get; one that the policy does not retry shows
 * {@code retry_stop=status_not_retryable}
 * @param slowFirstAttempt hedging mode: how long the server takes to answer the first attempt of a call
 * @param pause live mode: how long to wait between calls, so that a change made meanwhile shows in the next ones
 */
@ConfigurationProperties("sample")
public record SampleProperties(@DefaultValue("50052") int port, @DefaultValue("retry") Mode mode,
		@DefaultValue("10") int calls, @DefaultValue("4") int succeedEvery,
		@DefaultValue("UNAVAILABLE") Status.Code failWith, @DefaultValue("1s") Duration slowFirstAttempt,
		@DefaultValue("1s") Duration pause) {

	/** The two demos. */
	public enum Mode {

		/** Client {@code echo}: retries against a server that fails 3 of every 4 requests. */
		RETRY,

		/** Client {@code echo-hedging}: a hedge wins against a slow first attempt. */
		HEDGING,

		/**
		 * Client {@code echo} as in {@link #RETRY}, one call per pause, with the web server on: the incident switch
		 * visibly changes how many attempts the next calls make.
		 */
		LIVE

	}

}
