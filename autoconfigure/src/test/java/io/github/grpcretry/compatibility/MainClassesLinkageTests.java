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
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import io.github.grpcretry.autoconfigure.GrpcRetryAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.Handle;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.Type;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jars users get are compiled once, against Spring Boot 4.1; on the Boot line these tests run on, every class,
 * constructor, method and field the main classes use must exist with the very descriptor they were compiled against
 * (Boot 4 changed {@code PropertyMapper}'s, for one). The tests of each line exercise the paths they reach; this
 * checks every path, error paths included. Spring gRPC and Boot's own gRPC client are optional: where their classes
 * are absent, the auto-configurations guarded by {@code @ConditionalOnClass(name = …)} never load the classes that
 * use them.
 */
class MainClassesLinkageTests {

	private static final List<String> OPTIONAL_PACKAGES = List.of("org/springframework/grpc/",
			"org/springframework/boot/grpc/");

	@Test
	void everyReferenceOfTheMainClassesResolvesOnThisSpringBootLine() throws Exception {
		Set<String> unresolved = new TreeSet<>();
		for (Path classFile : mainClassFiles()) {
			try (InputStream in = Files.newInputStream(classFile)) {
				new ClassReader(in).accept(new ReferenceCheck(unresolved), ClassReader.SKIP_FRAMES);
			}
		}
		assertThat(unresolved).isEmpty();
	}

	private static List<Path> mainClassFiles() throws URISyntaxException, IOException {
		Path root = Path.of(GrpcRetryAutoConfiguration.class.getProtectionDomain().getCodeSource().getLocation().toURI());
		try (Stream<Path> files = Files.walk(root)) {
			List<Path> classFiles = files.filter((file) -> file.toString().endsWith(".class")).toList();
			assertThat(classFiles).hasSizeGreaterThan(40);
			return classFiles;
		}
	}

	private static final class ReferenceCheck extends ClassVisitor {

		private final Set<String> unresolved;

		private String className = "";

		ReferenceCheck(Set<String> unresolved) {
			super(Opcodes.ASM9);
			this.unresolved = unresolved;
		}

		@Override
		public void visit(int version, int access, String name, String signature, String superName,
				String[] interfaces) {
			this.className = name;
			if (superName != null) {
				checkClass(superName);
			}
			for (String type : interfaces) {
				checkClass(type);
			}
		}

		@Override
		public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
				String[] exceptions) {
			return new MethodVisitor(Opcodes.ASM9) {

				@Override
				public void visitMethodInsn(int opcode, String owner, String method, String methodDescriptor,
						boolean isInterface) {
					checkMethod(owner, method, methodDescriptor);
				}

				@Override
				public void visitFieldInsn(int opcode, String owner, String field, String fieldDescriptor) {
					checkField(owner, field, fieldDescriptor);
				}

				@Override
				public void visitTypeInsn(int opcode, String type) {
					checkClass(type);
				}

				@Override
				public void visitInvokeDynamicInsn(String method, String methodDescriptor, Handle bootstrap,
						Object... arguments) {
					// Method references (builder::intercept) are handles among the bootstrap arguments.
					for (Object argument : arguments) {
						if (argument instanceof Handle handle) {
							if (handle.getTag() <= Opcodes.H_PUTSTATIC) {
								checkField(handle.getOwner(), handle.getName(), handle.getDesc());
							}
							else {
								checkMethod(handle.getOwner(), handle.getName(), handle.getDesc());
							}
						}
					}
				}

			};
		}

		private void checkMethod(String owner, String name, String descriptor) {
			if (owner.startsWith("java/")) {
				// The JDK is the same on every line (and VarHandle's methods are signature-polymorphic).
				return;
			}
			Class<?> type = load(owner);
			if (type != null && !declaresMethod(type, name, descriptor)) {
				this.unresolved.add(this.className + " -> " + owner + "." + name + descriptor);
			}
		}

		private void checkField(String owner, String name, String descriptor) {
			Class<?> type = load(owner);
			if (type != null && !declaresField(type, name, descriptor)) {
				this.unresolved.add(this.className + " -> " + owner + "." + name + ":" + descriptor);
			}
		}

		private void checkClass(String name) {
			load(name);
		}

		private Class<?> load(String internalName) {
			if (internalName.startsWith("[")) {
				Type element = Type.getType(internalName).getElementType();
				return (element.getSort() == Type.OBJECT) ? load(element.getInternalName()) : null;
			}
			try {
				return Class.forName(internalName.replace('/', '.'), false, getClass().getClassLoader());
			}
			catch (ClassNotFoundException | LinkageError ex) {
				if (OPTIONAL_PACKAGES.stream().noneMatch(internalName::startsWith)) {
					this.unresolved.add(this.className + " -> " + internalName + " (" + ex + ")");
				}
				return null;
			}
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
