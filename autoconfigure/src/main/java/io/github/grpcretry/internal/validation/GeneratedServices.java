package io.github.grpcretry.internal.validation;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.asm.AnnotationVisitor;
import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.FieldVisitor;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.SpringAsmInfo;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.core.io.support.ResourcePatternResolver;
import org.springframework.util.ResourceUtils;

/**
 * The gRPC services whose code grpc-java's generator made (a {@code <Service>Grpc} class) on a class path, with their
 * full method names: names that calls surely go to. Found once per class loader, so that a refresh checks against
 * the same index, by reading the class files: a generated class is loaded only when it lacks the generator's
 * {@code @RpcMethod} annotations (grpc-java before 1.14), to ask its service descriptor.
 */
final class GeneratedServices {

	private static final Log logger = LogFactory.getLog(GeneratedServices.class);

	// grpc-java's generator names the class of a service <Service>Grpc.
	private static final String SUFFIX = "Grpc.class";

	private static final int PUBLIC_STATIC = Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC;

	private static final int PUBLIC_STATIC_FINAL = PUBLIC_STATIC | Opcodes.ACC_FINAL;

	// Weak keys: the index of a class loader that is dropped (a devtools restart) goes with it.
	private static final Map<ClassLoader, GeneratedServices> indexes = Collections
		.synchronizedMap(new WeakHashMap<>());

	// Per service name, its full method names; both sorted, so that a did-you-mean is the same on every run.
	private final Map<String, Set<String>> methods;

	private GeneratedServices(Map<String, Set<String>> methods) {
		this.methods = methods;
	}

	/**
	 * The generated services on a class path, found at the first call for that class loader.
	 * @param classLoader the application's class loader
	 * @return the index
	 */
	static GeneratedServices on(ClassLoader classLoader) {
		// Synchronized: two contexts starting together on one class loader scan it once.
		return indexes.computeIfAbsent(classLoader, GeneratedServices::scan);
	}

	/**
	 * The names of the generated services.
	 * @return the service names, such as {@code echo.Echo}, sorted
	 */
	Set<String> services() {
		return this.methods.keySet();
	}

	/**
	 * The methods of one generated service.
	 * @param service the service name
	 * @return its full method names, such as {@code echo.Echo/UnaryEcho}, sorted; empty for a service not found
	 */
	Set<String> methodsOf(String service) {
		return this.methods.getOrDefault(service, Set.of());
	}

	private static GeneratedServices scan(ClassLoader classLoader) {
		Map<String, Set<String>> methods = new TreeMap<>();
		List<GeneratedClass> classes = new ArrayList<>();
		try {
			// The roots classpath*:**/*Grpc.class would search, each listed once: Spring's pattern matching of every
			// entry took 2.2 to 3.2 times as long on a cold start (benchmarks/RESULTS.md).
			for (Resource root : new PathMatchingResourcePatternResolver(classLoader)
				.getResources(ResourcePatternResolver.CLASSPATH_ALL_URL_PREFIX)) {
				URL url = root.getURL();
				if (ResourceUtils.isJarURL(url)) {
					readJar(url, classes);
				}
				else if (ResourceUtils.isFileURL(url)) {
					readDirectory(root.getFile().toPath(), classes);
				}
			}
		}
		catch (IOException ex) {
			// No index, no check: a name is never refused for want of one.
			logger.debug("Could not list the generated gRPC services on the class path; method names go unchecked",
					ex);
			return new GeneratedServices(Map.of());
		}
		for (GeneratedClass generated : classes) {
			if (generated.serviceName != null && generated.hasServiceDescriptor) {
				Set<String> names = generated.fullMethodNames.isEmpty()
						? descriptorMethods(generated.className, generated.serviceName, classLoader)
						: generated.fullMethodNames;
				if (names != null) {
					methods.computeIfAbsent(generated.serviceName, (service) -> new TreeSet<>()).addAll(names);
				}
			}
		}
		return new GeneratedServices(Collections.unmodifiableMap(methods));
	}

	private static void readJar(URL root, List<GeneratedClass> classes) throws IOException {
		URLConnection connection = root.openConnection();
		if (!(connection instanceof JarURLConnection jarConnection)) {
			return;
		}
		JarFile jar = jarConnection.getJarFile();
		String prefix = (jarConnection.getEntryName() != null) ? jarConnection.getEntryName() : "";
		try {
			for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements();) {
				JarEntry entry = entries.nextElement();
				if (entry.getName().endsWith(SUFFIX) && entry.getName().startsWith(prefix)) {
					try (InputStream in = jar.getInputStream(entry)) {
						read(in, root + entry.getName(), classes);
					}
				}
			}
		}
		finally {
			// A cached jar file is the class loader's too.
			if (!jarConnection.getUseCaches()) {
				jar.close();
			}
		}
	}

	private static void readDirectory(Path root, List<GeneratedClass> classes) throws IOException {
		if (!Files.isDirectory(root)) {
			return;
		}
		try (Stream<Path> files = Files.walk(root)) {
			for (Path file : (Iterable<Path>) files::iterator) {
				if (file.toString().endsWith(SUFFIX) && Files.isRegularFile(file)) {
					try (InputStream in = Files.newInputStream(file)) {
						read(in, file.toString(), classes);
					}
				}
			}
		}
	}

	private static void read(InputStream in, String where, List<GeneratedClass> classes) {
		try {
			GeneratedClass generated = new GeneratedClass();
			new ClassReader(in).accept(generated,
					ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
			classes.add(generated);
		}
		catch (IOException | RuntimeException ex) {
			// Not a class file ASM reads (a newer class-file version): not one the generator made for this JVM.
			logger.trace("Skipped " + where + " while listing the generated gRPC services", ex);
		}
	}

	// Asked of the class itself, which runs its static initialisation: only for code generated without @RpcMethod.
	private static @Nullable Set<String> descriptorMethods(String className, String serviceName,
			ClassLoader classLoader) {
		try {
			Class<?> generated = Class.forName(className, true, classLoader);
			Field field = generated.getField("SERVICE_NAME");
			Method method = generated.getMethod("getServiceDescriptor");
			if (!Modifier.isStatic(method.getModifiers()) || !serviceName.equals(field.get(null))) {
				return null;
			}
			Set<String> names = new TreeSet<>();
			for (MethodDescriptor<?, ?> descriptor : ((ServiceDescriptor) method.invoke(null)).getMethods()) {
				names.add(descriptor.getFullMethodName());
			}
			return names;
		}
		catch (ReflectiveOperationException | LinkageError | RuntimeException ex) {
			// A class that fails to load, or to describe itself, serves no call either.
			logger.trace("Skipped " + className + " while listing the generated gRPC services", ex);
			return null;
		}
	}

	/**
	 * What one class file says of itself: a public class with the generator's {@code SERVICE_NAME} constant and
	 * {@code getServiceDescriptor()}, and the full method name of each {@code @RpcMethod}-annotated method
	 * descriptor getter.
	 */
	private static final class GeneratedClass extends ClassVisitor {

		private String className = "";

		private boolean publicClass;

		private @Nullable String serviceName;

		private boolean hasServiceDescriptor;

		private final Set<String> fullMethodNames = new TreeSet<>();

		GeneratedClass() {
			super(SpringAsmInfo.ASM_VERSION);
		}

		@Override
		public void visit(int version, int access, String name, @Nullable String signature,
				@Nullable String superName, String @Nullable [] interfaces) {
			this.className = name.replace('/', '.');
			this.publicClass = (access & (Opcodes.ACC_PUBLIC | Opcodes.ACC_INTERFACE)) == Opcodes.ACC_PUBLIC;
		}

		@Override
		public @Nullable FieldVisitor visitField(int access, String name, String descriptor,
				@Nullable String signature, @Nullable Object value) {
			if (this.publicClass && "SERVICE_NAME".equals(name) && "Ljava/lang/String;".equals(descriptor)
					&& (access & PUBLIC_STATIC_FINAL) == PUBLIC_STATIC_FINAL && value instanceof String constant) {
				this.serviceName = constant;
			}
			return null;
		}

		@Override
		public @Nullable MethodVisitor visitMethod(int access, String name, String descriptor,
				@Nullable String signature, String @Nullable [] exceptions) {
			if (!this.publicClass || (access & PUBLIC_STATIC) != PUBLIC_STATIC) {
				return null;
			}
			if ("getServiceDescriptor".equals(name) && "()Lio/grpc/ServiceDescriptor;".equals(descriptor)) {
				this.hasServiceDescriptor = true;
			}
			if (!"()Lio/grpc/MethodDescriptor;".equals(descriptor)) {
				return null;
			}
			return new MethodVisitor(SpringAsmInfo.ASM_VERSION) {

				@Override
				public @Nullable AnnotationVisitor visitAnnotation(String annotation, boolean visible) {
					return "Lio/grpc/stub/annotations/RpcMethod;".equals(annotation) ? fullMethodName() : null;
				}

			};
		}

		private AnnotationVisitor fullMethodName() {
			return new AnnotationVisitor(SpringAsmInfo.ASM_VERSION) {

				@Override
				public void visit(@Nullable String name, Object value) {
					// The constant SERVICE_NAME + '/' + "Method"; SERVICE_NAME is read before the methods.
					if ("fullMethodName".equals(name) && value instanceof String fullName
							&& GeneratedClass.this.serviceName != null
							&& fullName.startsWith(GeneratedClass.this.serviceName + "/")) {
						GeneratedClass.this.fullMethodNames.add(fullName);
					}
				}

			};
		}

	}

}
