package io.github.grpcretry.starter;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.FieldVisitor;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.Type;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public API of the two published jars of code ({@code grpc-retry-spring-boot-autoconfigure} and its Boot 3.5
 * module) is the checked-in list {@code api/public-api.txt}: every type a user can reach (public, in a package
 * outside {@code io.github.grpcretry.internal}) and its public and protected members. A type or member that joins
 * or leaves it fails this test until the list says so, so that a change to the promise is always a decision.
 * Read from the class files with ASM, never loaded: the Boot 3.5 module's classes do not link on Boot 4.
 */
class PublicApiTests {

	private static final Path LIST = Path.of(System.getProperty("public-api.list", "../api/public-api.txt"));

	@Test
	void thePublicApiIsTheCheckedInList() throws Exception {
		List<String> api = publicApi("io/github/grpcretry/autoconfigure/package-info.class",
				"io/github/grpcretry/boot3/package-info.class");
		if (Boolean.getBoolean("public-api.write")) {
			Files.write(LIST, api);
		}
		List<String> listed = Files.readAllLines(LIST);
		Set<String> joined = new LinkedHashSet<>(api);
		listed.forEach(joined::remove);
		Set<String> left = new LinkedHashSet<>(listed);
		api.forEach(left::remove);
		assertThat(joined).as("joined the public API without being added to %s (add them there if they are meant"
				+ " to be a promise to users; else make them package-private or move them under"
				+ " io.github.grpcretry.internal)", LIST)
			.isEmpty();
		assertThat(left).as("left the public API, still listed in %s (remove them there if that is meant)", LIST)
			.isEmpty();
		assertThat(api).as("the public API").anyMatch((line) -> line.contains("GrpcRetryAutoConfiguration"))
			.anyMatch((line) -> line.contains("Boot3GrpcClientsHealthContributorAutoConfiguration"))
			.noneMatch((line) -> line.contains(".internal."));
	}

	private static List<String> publicApi(String... markers) throws IOException, URISyntaxException {
		Map<String, ClassFile> classes = new HashMap<>();
		for (String marker : markers) {
			URL url = PublicApiTests.class.getClassLoader().getResource(marker);
			assertThat(url).as(marker).isNotNull();
			readClasses(url, marker, classes);
		}
		Map<String, List<String>> api = new TreeMap<>();
		for (ClassFile type : classes.values()) {
			if (!type.name.contains("/internal/") && reachable(type, classes)) {
				List<String> lines = new ArrayList<>();
				lines.add(type.declaration());
				lines.addAll(new TreeSet<>(type.members));
				api.put(type.name.replace('/', '.'), lines);
			}
		}
		List<String> lines = new ArrayList<>();
		api.values().forEach(lines::addAll);
		return lines;
	}

	private static boolean reachable(ClassFile type, Map<String, ClassFile> classes) {
		if (type.name.endsWith("package-info") || (type.access & (Opcodes.ACC_PUBLIC | Opcodes.ACC_PROTECTED)) == 0
				|| (type.access & Opcodes.ACC_SYNTHETIC) != 0) {
			return false;
		}
		ClassFile outer = (type.outer != null) ? classes.get(type.outer) : null;
		return outer == null || reachable(outer, classes);
	}

	private static void readClasses(URL url, String marker, Map<String, ClassFile> classes)
			throws IOException, URISyntaxException {
		String location = url.toString();
		String root = location.substring(0, location.length() - marker.length());
		if (root.startsWith("jar:")) {
			try (FileSystem jar = FileSystems.newFileSystem(
					Path.of(new URL(root.substring("jar:".length(), root.length() - "!/".length())).toURI()))) {
				readTree(jar.getPath("/"), classes);
			}
		}
		else {
			readTree(Path.of(new URL(root).toURI()), classes);
		}
	}

	private static void readTree(Path root, Map<String, ClassFile> classes) throws IOException {
		try (Stream<Path> files = Files.walk(root)) {
			files.filter((file) -> file.toString().endsWith(".class")).forEach((file) -> {
				try (InputStream in = Files.newInputStream(file)) {
					ClassFile type = new ClassFile();
					new ClassReader(in).accept(type, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG);
					classes.put(type.name, type);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			});
		}
	}

	private static String modifiers(int access) {
		StringBuilder text = new StringBuilder(((access & Opcodes.ACC_PUBLIC) != 0) ? "public" : "protected");
		if ((access & Opcodes.ACC_STATIC) != 0) {
			text.append(" static");
		}
		if ((access & Opcodes.ACC_FINAL) != 0) {
			text.append(" final");
		}
		if ((access & Opcodes.ACC_ABSTRACT) != 0 && (access & Opcodes.ACC_INTERFACE) == 0) {
			text.append(" abstract");
		}
		return text.toString();
	}

	private static final class ClassFile extends ClassVisitor {

		String name = "";

		int access;

		String outer;

		String superName;

		String[] interfaces = new String[0];

		final Set<String> members = new TreeSet<>();

		ClassFile() {
			super(Opcodes.ASM9);
		}

		@Override
		public void visit(int version, int access, String name, String signature,
				String superName, String [] interfaces) {
			this.name = name;
			this.access = access;
			this.superName = superName;
			this.interfaces = (interfaces != null) ? interfaces : new String[0];
		}

		@Override
		public void visitInnerClass(String name, String outerName, String innerName,
				int access) {
			if (name.equals(this.name)) {
				// a nested type's own flags (static, protected, private) are written here, not in its header
				this.access = access | (this.access & Opcodes.ACC_SUPER);
				this.outer = outerName;
			}
		}

		@Override
		public FieldVisitor visitField(int access, String name, String descriptor,
				String signature, Object value) {
			if (visible(access)) {
				this.members.add("  " + modifiers(access) + " " + Type.getType(descriptor).getClassName() + " " + name);
			}
			return null;
		}

		@Override
		public MethodVisitor visitMethod(int access, String name, String descriptor,
				String signature, String [] exceptions) {
			if (visible(access) && (access & (Opcodes.ACC_BRIDGE | Opcodes.ACC_SYNTHETIC)) == 0
					&& !name.equals("<clinit>")) {
				Type method = Type.getMethodType(descriptor);
				List<String> parameters = new ArrayList<>();
				for (Type parameter : method.getArgumentTypes()) {
					parameters.add(parameter.getClassName());
				}
				String simpleName = this.name.substring(this.name.lastIndexOf('/') + 1);
				String head = name.equals("<init>") ? simpleName.substring(simpleName.lastIndexOf('$') + 1)
						: method.getReturnType().getClassName() + " " + name;
				this.members.add("  " + modifiers(access & ~Opcodes.ACC_ABSTRACT
						| (((this.access & Opcodes.ACC_INTERFACE) == 0) ? access & Opcodes.ACC_ABSTRACT : 0)) + " "
						+ head + "(" + String.join(", ", parameters) + ")");
			}
			return null;
		}

		private boolean visible(int access) {
			return (access & (Opcodes.ACC_PUBLIC | Opcodes.ACC_PROTECTED)) != 0;
		}

		String declaration() {
			String kind;
			if ((this.access & Opcodes.ACC_ANNOTATION) != 0) {
				kind = "@interface";
			}
			else if ((this.access & Opcodes.ACC_INTERFACE) != 0) {
				kind = "interface";
			}
			else if ((this.access & Opcodes.ACC_ENUM) != 0) {
				kind = "enum";
			}
			else if ("java/lang/Record".equals(this.superName)) {
				kind = "record";
			}
			else {
				kind = "class";
			}
			int shown = ((this.access & Opcodes.ACC_INTERFACE) != 0 || kind.equals("enum") || kind.equals("record"))
					? this.access & ~(Opcodes.ACC_ABSTRACT | Opcodes.ACC_FINAL) : this.access;
			StringBuilder text = new StringBuilder(modifiers(shown)).append(' ').append(kind).append(' ')
				.append(this.name.replace('/', '.'));
			if (kind.equals("class") && this.superName != null && !this.superName.equals("java/lang/Object")) {
				text.append(" extends ").append(this.superName.replace('/', '.'));
			}
			List<String> implemented = new ArrayList<>();
			for (String implementedType : this.interfaces) {
				if (!implementedType.equals("java/lang/annotation/Annotation")) {
					implemented.add(implementedType.replace('/', '.'));
				}
			}
			if (!implemented.isEmpty()) {
				text.append(kind.equals("interface") ? " extends " : " implements ")
					.append(String.join(", ", implemented));
			}
			return text.toString();
		}

	}

}
