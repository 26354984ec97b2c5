package io.github.grpcretry.internal.actuate;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.grpcretry.properties.Retries;
import io.github.grpcretry.internal.actuate.GrpcClientsEndpoint.Switched;

import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The HTTP statuses of the {@code grpcclients} endpoint's incident switch, as Spring Boot's web extensions add what
 * only HTTP has to a technology-neutral endpoint: {@code POST /actuator/grpcclients/{name}} answers 200 with the
 * client once grpc-java has taken the change, 202 with it while grpc-java has not, 403 naming the key to set when no
 * {@code access} key grants writes, 404 for an unknown client, and 400 with the reason (and every violation) for
 * another value or a change the client cannot take. The reads are the endpoint's own.
 */
@EndpointWebExtension(endpoint = GrpcClientsEndpoint.class)
public class GrpcClientsEndpointWebExtension {

	private static final int STATUS_ACCEPTED = 202;

	// Forbidden: understood, but not granted (not 401: no credentials would help); no Boot line has a constant for it
	private static final int STATUS_FORBIDDEN = 403;

	private final GrpcClientsEndpoint endpoint;

	/**
	 * Creates the extension.
	 * @param endpoint the endpoint whose switch it answers over HTTP
	 */
	public GrpcClientsEndpointWebExtension(GrpcClientsEndpoint endpoint) {
		this.endpoint = endpoint;
	}

	/**
	 * The incident switch over HTTP: {@link GrpcClientsEndpoint#switchRetries} with the status of each answer.
	 * @param name the client's name
	 * @param retries {@code off} or {@code configured}
	 * @return 200 with the client as it is now, once grpc-java has taken the change; 202 with the client, its change
	 * under {@code pendingServiceConfig}, when grpc-java has not taken it yet (its name resolver has no good result:
	 * an error, no addresses); 403, naming the key to set, when no {@code access} key grants writes; 404 for an
	 * unknown client; 400 with {@code error} for another value, or for a client whose channel cannot take a change
	 * while it runs, and with {@code error} and {@code violations} when, for {@code configured}, the configuration now
	 * breaks a start-up rule or cannot run on the channel (the retries stay as they are)
	 */
	@WriteOperation
	public WebEndpointResponse<Object> switchRetries(@Selector String name, String retries) {
		// Taken as text and converted as Boot converts the endpoint's own parameter, so that another value is
		// answered with the values it takes: Boot's own 400 would carry no body saying so.
		Retries value = GrpcClientsEndpoint.retries(retries);
		if (value == null) {
			return error("retries must be \"" + Retries.OFF.value() + "\" or \"" + Retries.CONFIGURED.value()
					+ "\", not \"" + retries + "\"", WebEndpointResponse.STATUS_BAD_REQUEST);
		}
		try {
			Switched switched = this.endpoint.switched(name, value);
			return new WebEndpointResponse<>(switched.client(),
					switched.pending() ? STATUS_ACCEPTED : WebEndpointResponse.STATUS_OK);
		}
		catch (SwitchRefusedException ex) {
			return switch (ex.refusal()) {
				case ACCESS -> error(ex.getReason(), STATUS_FORBIDDEN);
				case UNKNOWN_CLIENT -> new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
				case REFUSED -> refused(ex);
			};
		}
	}

	private static WebEndpointResponse<Object> refused(SwitchRefusedException ex) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("error", ex.getReason());
		if (!ex.violations().isEmpty()) {
			body.put("violations", ex.violations());
		}
		return new WebEndpointResponse<>(body, WebEndpointResponse.STATUS_BAD_REQUEST);
	}

	private static WebEndpointResponse<Object> error(String error, int status) {
		return new WebEndpointResponse<>(Map.of("error", error), status);
	}

}
