package io.github.grpcretry.internal.properties;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a duration property that also takes the protobuf JSON form of gRPC service configs ({@code .01s},
 * {@code 2.5s}) besides Spring's forms ({@code 10ms}, {@code PT0.5S}).
 *
 * @see ServiceConfigDurationConverter
 */
@Target({ ElementType.PARAMETER, ElementType.FIELD, ElementType.RECORD_COMPONENT })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ServiceConfigDuration {

}
