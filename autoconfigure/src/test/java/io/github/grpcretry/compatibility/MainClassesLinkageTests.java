package io.github.grpcretry.compatibility;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.FieldVisitor;
import org.springframework.asm.Handle;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.Type;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jars users get are compiled once, against Spring Boot 4.1; on the Boot line these tests run on, every class,
 * constructor, method and field the main classes use must exist with the very descriptor they were compiled against
 * (Boot 4 changed {@code PropertyMapper}'s, for one). The tests of each line exercise the paths they reach; this
 * checks every path, error paths included. Spring gRPC and Boot's own gRPC client are optional: a class that uses one
 * is loaded only by an auto-configuration whose {@code @ConditionalOnClass(name = …)} names the class below, so it is
 * checked only where that class exists. (Spring gRPC 1.0 on Boot 4.0 has a {@code GrpcClientProperties} of another
 * shape in the very package of Boot 4.1's.) So are the actuator and Spring Boot 4's health module ({@code
 * spring-boot-health}, whose types Boot 3.5 keeps in the actuator under other names).
 */
class MainClassesLinkageTests {

	// Optional package -> the class whose presence the auto-configurations using it are conditional on.
	private static final Map<String, String> OPTIONAL_PACKAGES = Map.of("org/springframework/boot/grpc/",
			"org.springframework.boot.grpc.client.autoconfigure.ServiceConfig", "org/springframework/grpc/",
			"org.springframework.grpc.client.GrpcChannelBuilderCustomizer", "org/springframework/boot/health/",
			"org.springframework.boot.health.contributor.HealthIndicator", "org/springframework/boot/actuate/",
			"org.springframework.boot.actuate.endpoint.annotation.Endpoint");

	@Test
	void everyReferenceOfTheMainClassesResolvesOnThisSpringBootLine() throws Exception {
		Set<String> unresolved = new TreeSet<>();
		int checked = 0;
		for (Path classFile : mainClassFiles()) {
			References references = new References();
			try (InputStream in = Files.newInputStream(classFile)) {
				new ClassReader(in).accept(references, ClassReader.SKIP_FRAMES);
			}
			if (references.guardsPresent()) {
				references.resolve(unresolved);
				checked++;
			}
		}
		assertThat(checked).isGreaterThan(40);
		assertThat(unresolved).isEmpty();
	}

	private static List<Path> mainClassFiles() throws URISyntaxException, IOException {
		Path root = Path.of(GrpcRetryAutoConfiguration.class.getProtectionDomain().getCodeSource().getLocation().toURI());
		try (Stream<Path> files = Files.walk(root)) {
			return files.filter((file) -> file.toString().endsWith(".class")).toList();
		}
	}

	/**
	 * What one class refers to outside the JDK: classes, and members with their descriptors ({@code null} name for a
	 * class alone).
	 */
	private record Reference(String owner, @Nullable String name, @Nullable String descriptor, boolean field) {
	}

	private static final class References extends ClassVisitor {

		private final List<Reference> references = new ArrayList<>();

		private String className = "";

		References() {
			super(Opcodes.ASM9);
		}

		boolean guardsPresent() {
			return OPTIONAL_PACKAGES.entrySet()
				.stream()
				.filter((optional) -> this.references.stream()
					.anyMatch((reference) -> reference.owner().startsWith(optional.getKey())))
				.allMatch((optional) -> ClassUtils.isPresent(optional.getValue(), getClass().getClassLoader()));
		}

		void resolve(Set<String> unresolved) {
			for (Reference reference : this.references) {
				Class<?> type = load(reference.owner(), unresolved);
				// The JDK is the same on every line (and VarHandle's methods are signature-polymorphic); the starter's
				// own classes are compiled together.
				if (type == null || reference.name() == null || reference.owner().startsWith("java/")
						|| reference.owner().startsWith("io/github/grpcretry/")) {
					continue;
				}
				boolean found = reference.field() ? declaresField(type, reference.name(), reference.descriptor())
						: declaresMethod(type, reference.name(), reference.descriptor());
				if (!found) {
					unresolved.add(this.className + " -> " + reference.owner() + "." + reference.name()
							+ (reference.field() ? ":" : "") + reference.descriptor());
				}
			}
		}

		private @Nullable Class<?> load(String internalName, Set<String> unresolved) {
			if (internalName.startsWith("[")) {
				Type element = Type.getType(internalName).getElementType();
				return (element.getSort() == Type.OBJECT) ? load(element.getInternalName(), unresolved) : null;
			}
			try {
				return Class.forName(internalName.replace('/', '.'), false, getClass().getClassLoader());
			}
			catch (ClassNotFoundException | LinkageError ex) {
				unresolved.add(this.className + " -> " + internalName + " (" + ex + ")");
				return null;
			}
		}

		@Override
		public void visit(int version, int access, String name, String signature, String superName,
				String[] interfaces) {
			this.className = name;
			if (superName != null) {
				addClass(superName);
			}
			for (String type : interfaces) {
				addClass(type);
			}
		}

		@Override
		public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
			addType(Type.getType(descriptor));
			return null;
		}

		@Override
		public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
				String[] exceptions) {
			// Spring reads the types of a bean method's parameters and result, so they must exist too.
			addType(Type.getReturnType(descriptor));
			for (Type parameter : Type.getArgumentTypes(descriptor)) {
				addType(parameter);
			}
			return new MethodVisitor(Opcodes.ASM9) {

				@Override
				public void visitMethodInsn(int opcode, String owner, String method, String methodDescriptor,
						boolean isInterface) {
					References.this.references.add(new Reference(owner, method, methodDescriptor, false));
				}

				@Override
				public void visitFieldInsn(int opcode, String owner, String field, String fieldDescriptor) {
					References.this.references.add(new Reference(owner, field, fieldDescriptor, true));
				}

				@Override
				public void visitTypeInsn(int opcode, String type) {
					addClass(type);
				}

				@Override
				public void visitInvokeDynamicInsn(String method, String methodDescriptor, Handle bootstrap,
						Object... arguments) {
					// Method references (builder::intercept) are handles among the bootstrap arguments.
					for (Object argument : arguments) {
						if (argument instanceof Handle handle) {
							References.this.references.add(new Reference(handle.getOwner(), handle.getName(),
									handle.getDesc(), handle.getTag() <= Opcodes.H_PUTSTATIC));
						}
					}
				}

			};
		}

		private void addType(Type type) {
			Type element = (type.getSort() == Type.ARRAY) ? type.getElementType() : type;
			if (element.getSort() == Type.OBJECT) {
				addClass(element.getInternalName());
			}
		}

		private void addClass(String internalName) {
			this.references.add(new Reference(internalName, null, null, false));
		}

	}

	private static boolean declaresMethod(Class<?> owner, String name, String descriptor) {
		for (Class<?> type : hierarchy(owner)) {
			if (name.equals("<init>")) {
				for (Constructor<?> constructor : type.getDeclaredConstructors()) {
					if (type == owner && Type.getConstructorDescriptor(constructor).equals(descriptor)) {
						return true;
					}
				}
			}
			else {
				for (Method method : type.getDeclaredMethods()) {
					if (method.getName().equals(name) && Type.getMethodDescriptor(method).equals(descriptor)) {
						return true;
					}
				}
			}
		}
		return false;
	}

	private static boolean declaresField(Class<?> owner, String name, String descriptor) {
		for (Class<?> type : hierarchy(owner)) {
			for (Field field : type.getDeclaredFields()) {
				if (field.getName().equals(name) && Type.getDescriptor(field.getType()).equals(descriptor)) {
					return true;
				}
			}
		}
		return false;
	}

	private static Set<Class<?>> hierarchy(Class<?> type) {
		Set<Class<?>> all = new HashSet<>();
		Deque<Class<?>> pending = new ArrayDeque<>(List.of(type));
		while (!pending.isEmpty()) {
			Class<?> next = pending.pop();
			if (all.add(next)) {
				if (next.getSuperclass() != null) {
					pending.push(next.getSuperclass());
				}
				pending.addAll(List.of(next.getInterfaces()));
			}
		}
		if (type.isInterface()) {
			all.add(Object.class);
		}
		return all;
	}

}
