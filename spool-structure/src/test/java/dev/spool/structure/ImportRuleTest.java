package dev.spool.structure;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The modules built on spool-core use it only through its public packages: the API
 * ({@code dev.spool.log} itself, not its subpackages), {@code record}, {@code io} and {@code tool}
 * (the read-only API the CLI and the other modules' checks use). The engine's inner packages
 * ({@code segment}, {@code append}, {@code recovery}, {@code retention}, {@code catalog}, and any
 * package added later) stay free to change without touching another module.
 *
 * <p>The rule reads the compiled main classes of every module on this module's test classpath,
 * as directories while the reactor compiles and as the modules' jars once they are packaged: so
 * jars are not excluded wholesale, only test classes (directories and test-jars). Only the
 * {@code dev.spool} packages are imported, so third-party jars are never read.
 */
class ImportRuleTest {
    /** The main-code packages of the modules that use spool-core, one per module. */
    static final List<String> USER_PACKAGES = List.of(
            "dev.spool.cli", "dev.spool.kafka", "dev.spool.queue", "dev.spool.arrow", "dev.spool.bench");

    /** What those modules may use of spool-core. */
    static final String[] PUBLIC_PACKAGES = {"dev.spool.log", "dev.spool.log.record..", "dev.spool.log.io..",
            "dev.spool.log.tool.."};

    /**
     * Fewer classes in those packages than this (there are about 260) means modules are missing
     * from the classpath, not that the rule holds.
     */
    static final int USER_CLASSES_MIN = 200;

    private static final Pattern TEST_JAR = Pattern.compile(".*-tests\\.jar.*");

    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(new ImportOption.DoNotIncludeTests())
                .withImportOption(location -> !location.matches(TEST_JAR))
                .importPackages("dev.spool");
        assertThat(classes.stream().filter(ImportRuleTest::isUserClass).count())
                .as("main classes imported from %s", USER_PACKAGES)
                .isGreaterThan(USER_CLASSES_MIN);
    }

    private static boolean isUserClass(JavaClass c) {
        return USER_PACKAGES.stream().anyMatch(root -> c.getPackageName().startsWith(root));
    }

    @Test
    void everyModuleIsImported() {
        for (String root : USER_PACKAGES) {
            assertThat(classes.stream().filter(c -> c.getPackageName().startsWith(root)).count())
                    .as("main classes of %s on this module's test classpath", root)
                    .isGreaterThan(0);
        }
        assertThat(classes.stream().filter(c -> c.getPackageName().startsWith("dev.spool.log.segment")).count())
                .as("spool-core's own classes, so a dependency on them can be seen")
                .isGreaterThan(0);
    }

    @Test
    void otherModulesUseOnlySpoolCoresPublicPackages() {
        ArchRule rule = noClasses()
                .that().resideInAnyPackage(USER_PACKAGES.stream().map(p -> p + "..").toArray(String[]::new))
                .should().dependOnClassesThat(resideInAPackage("dev.spool.log..")
                        .and(not(resideInAnyPackage(PUBLIC_PACKAGES)))
                        .as("spool-core's inner packages (anything but dev.spool.log, .record, .io and .tool)"))
                .because("other modules see spool-core only through its API, record, io and tool packages");
        rule.check(classes);
    }
}
