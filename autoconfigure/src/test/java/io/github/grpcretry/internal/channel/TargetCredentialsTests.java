package io.github.grpcretry.internal.channel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a person is shown of a target: the user-info of every form of gRPC target masked, everything else as written.
 */
class TargetCredentialsTests {

	@ParameterizedTest
	@ValueSource(strings = { "localhost:50052", "127.0.0.1:50052", "dns:///backend:443", "dns://8.8.8.8:53/backend:443",
			"dns:backend:443", "static://h1:1,h2:2", "static:///h1:1,h2:2", "unix:/tmp/grpc@1.sock",
			"unix:///tmp/grpc.sock", "in-process:echo", "xds:///service", "[::1]:50052", "dns:///[::1]:50052",
			"dns://[2001:db8::53]:53/[fe80::1%25eth0]:443", "static://[::1]:1,[::2]:2", "dns:///backend:443?a=b@c",
			"dns:///backend:443/x@y", "backend", "", " ", "@", "@backend:443", "dns://@backend:443/x",
			"dns:///@backend:443", "static://@h:1", "::::", "dns://", "dns:///", "a:b:c" })
	void targetWithoutUserInfoIsUnchanged(String target) {
		assertThat(TargetCredentials.masked(target)).isSameAs(target);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
			dns://admin:s3cret-token@127.0.0.1:53/backend:443 | dns://****@127.0.0.1:53/backend:443
			dns://token@127.0.0.1:53/backend:443              | dns://****@127.0.0.1:53/backend:443
			DNS://admin:s3cret@10.0.0.1/backend:443           | DNS://****@10.0.0.1/backend:443
			dns:///admin:s3cret@backend:443                   | dns:///****@backend:443
			dns:///admin:s3cret@backend:443/path              | dns:///****@backend:443/path
			admin:s3cret@backend:443                          | ****@backend:443
			token@backend:443                                 | ****@backend:443
			admin:s3cret@backend                              | ****@backend
			custom+scheme.v1://u:p@host:1/name                | custom+scheme.v1://****@host:1/name
			unix://admin:s3cret@/tmp/grpc.sock                | unix://****@/tmp/grpc.sock
			xds://u:p@control-plane/service                   | xds://****@control-plane/service
			dns://u:p@host:53?x=1                             | dns://****@host:53?x=1
			dns://u:p@host:53#frag                            | dns://****@host:53#frag
			""")
	void userInfoOfAnySchemeIsMasked(String target, String masked) {
		assertThat(TargetCredentials.masked(target)).isEqualTo(masked);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
			u:p@[::1]:50052                                   | ****@[::1]:50052
			dns://u:p@[::1]:53/[::1]:443                      | dns://****@[::1]:53/[::1]:443
			dns:///u:p@[2001:db8::1]:443                      | dns:///****@[2001:db8::1]:443
			static://u:p@[::1]:1,[::2]:2                      | static://****@[::1]:1,[::2]:2
			""")
	void userInfoBeforeAnIpv6LiteralIsMasked(String target, String masked) {
		assertThat(TargetCredentials.masked(target)).isEqualTo(masked);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
			static://user:pw@h:1                              | static://****@h:1
			static:///user:pw@h:1                             | static:///****@h:1
			static://h1:1,user:pw@h2:2,h3:3                   | static://h1:1,****@h2:2,h3:3
			"static://a:b@h1:1, c:d@h2:2"                     | "static://****@h1:1, ****@h2:2"
			""")
	void everyBackendOfAStaticTargetKeepsItsAddressAndLosesItsUserInfo(String target, String masked) {
		assertThat(TargetCredentials.masked(target)).isEqualTo(masked);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
			dns://u:p@                                        | dns://****@
			u:p@                                              | ****@
			a@b@backend:443                                   | ****@backend:443
			dns://us@er:p@ss@host:53/backend                  | dns://****@host:53/backend
			u%40corp:p%zz@host:1                              | ****@host:1
			" u:p@host:1"                                     | " ****@host:1"
			dns://u:p@host:53:99:/x                           | dns://****@host:53:99:/x
			1dns://u:p@host/x                                 | 1dns://****@host/x
			u:p@host//x                                       | ****@host//x
			in-process:name@x                                 | ****@x
			""")
	void malformedTargetsAreMaskedAsWellAsWellFormedOnes(String target, String masked) {
		assertThat(TargetCredentials.masked(target)).isEqualTo(masked);
	}

}
