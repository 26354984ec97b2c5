package io.github.grpcretry.internal.metrics;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationContext;
import io.micrometer.core.instrument.binder.grpc.GrpcClientObservationConvention;
import io.micrometer.core.instrument.binder.grpc.GrpcObservationDocumentation.LowCardinalityKeyNames;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * The convention of the call observations of methods built at run time: another convention's, with {@code other} in
 * every low-cardinality key that names the method or the service, so that the meters made from those keys stay as
 * bounded as the starter's own {@code method} tag (gRFC A66).
 *
 * <p>A key names the method or service when it is Micrometer's {@code rpc.method} or {@code rpc.service}, or when its
 * value is the call's service, method or full method name. Traces lose nothing: the contextual name (the span's name)
 * is the wrapped convention's, and the real values of the bounded keys are added as high-cardinality key values of
 * the same names, which win over the low-cardinality ones wherever both are read ({@code getAllKeyValues}, from which
 * Micrometer Tracing tags a span), while meters read only the low-cardinality ones.
 */
final class OtherMethodObservationConvention implements GrpcClientObservationConvention {

	private static final String OTHER = "other";

	private final GrpcClientObservationConvention delegate;

	OtherMethodObservationConvention(GrpcClientObservationConvention delegate) {
		this.delegate = delegate;
	}

	@Override
	public @Nullable String getName() {
		return this.delegate.getName();
	}

	@Override
	public @Nullable String getContextualName(GrpcClientObservationContext context) {
		return this.delegate.getContextualName(context);
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(GrpcClientObservationContext context) {
		KeyValues keyValues = this.delegate.getLowCardinalityKeyValues(context);
		List<KeyValue> bounded = new ArrayList<>();
		for (KeyValue keyValue : keyValues) {
			bounded.add(namesTheMethod(keyValue, context) ? KeyValue.of(keyValue.getKey(), OTHER) : keyValue);
		}
		return KeyValues.of(bounded);
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(GrpcClientObservationContext context) {
		List<KeyValue> names = new ArrayList<>();
		for (KeyValue keyValue : this.delegate.getLowCardinalityKeyValues(context)) {
			if (namesTheMethod(keyValue, context)) {
				names.add(keyValue);
			}
		}
		// The wrapped convention's own high-cardinality key values win over the names, as they would unbounded.
		return KeyValues.of(names).and(this.delegate.getHighCardinalityKeyValues(context));
	}

	@Override
	public boolean supportsContext(Observation.Context context) {
		return this.delegate.supportsContext(context);
	}

	private static boolean namesTheMethod(KeyValue keyValue, GrpcClientObservationContext context) {
		String key = keyValue.getKey();
		if (key.equals(LowCardinalityKeyNames.METHOD.asString())
				|| key.equals(LowCardinalityKeyNames.SERVICE.asString())) {
			return true;
		}
		String value = keyValue.getValue();
		return value.equals(context.getFullMethodName()) || value.equals(context.getServiceName())
				|| value.equals(context.getMethodName());
	}

}
