package io.evergreen.demo.webflux;

import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.BindException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** A mistyped {@code demo.style} fails start-up instead of leaving the application without handlers. */
class DemoStyleTests {

    @Test
    void anUnknownStyleFailsStartUp() {
        SpringApplicationBuilder application = new SpringApplicationBuilder(DemoWebFluxApplication.class)
            .web(WebApplicationType.NONE);

        Throwable failure = catchThrowable(() -> application.run("--demo.style=reactiv", "--evergreen.enabled=false",
                "--spring.main.banner-mode=off"));

        BindException binding = null;
        for (Throwable cause = failure; cause != null && binding == null; cause = cause.getCause()) {
            binding = cause instanceof BindException bind ? bind : null;
        }
        assertThat(binding).as("the binding failure in " + failure).isNotNull();
        assertThat(binding.getName()).hasToString("demo.style");
        assertThat(binding.getProperty().getValue()).isEqualTo("reactiv");
    }
}
