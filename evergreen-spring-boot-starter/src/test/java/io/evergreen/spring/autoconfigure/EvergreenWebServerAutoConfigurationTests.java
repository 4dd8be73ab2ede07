package io.evergreen.spring.autoconfigure;

import io.evergreen.loop.EventLoopGroup;
import io.evergreen.spring.FiberExecutor;
import io.evergreen.spring.MaxInFlightFilter;
import io.evergreen.spring.tomcat.Http11LoopProtocol;

import org.apache.coyote.ProtocolHandler;
import org.apache.coyote.http11.Http11NioProtocol;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jetty.autoconfigure.JettyServerProperties;
import org.springframework.boot.jetty.autoconfigure.JettyVirtualThreadsWebServerFactoryCustomizer;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.tomcat.TomcatProtocolHandlerCustomizer;
import org.springframework.boot.tomcat.autoconfigure.TomcatVirtualThreadsWebServerFactoryCustomizer;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class EvergreenWebServerAutoConfigurationTests {

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(EvergreenAutoConfiguration.class,
                EvergreenWebServerAutoConfiguration.class))
        .withPropertyValues("evergreen.loops=1");

    @Test
    void registersTomcatAndJettyCustomizersOrderedAfterSpringBootsVirtualThreadOnes() {
        contextRunner.run(context -> {
            assertThat(context).hasSingleBean(EvergreenTomcatWebServerFactoryCustomizer.class)
                .hasSingleBean(EvergreenJettyWebServerFactoryCustomizer.class)
                .doesNotHaveBean(MaxInFlightFilter.class);
            assertThat(context.getBean(EvergreenTomcatWebServerFactoryCustomizer.class).getOrder())
                .isGreaterThan(new TomcatVirtualThreadsWebServerFactoryCustomizer().getOrder());
            assertThat(context.getBean(EvergreenJettyWebServerFactoryCustomizer.class).getOrder())
                .isGreaterThan(new JettyVirtualThreadsWebServerFactoryCustomizer(new JettyServerProperties()).getOrder());
        });
    }

    @Test
    void tomcatsProtocolHandlerExecutorBecomesTheFiberExecutorEvenAfterBootsVirtualThreadCustomizer() {
        contextRunner.run(context -> {
            FiberExecutor fiberExecutor = context.getBean(FiberExecutor.class);
            TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory();
            new TomcatVirtualThreadsWebServerFactoryCustomizer().customize(factory);
            context.getBean(EvergreenTomcatWebServerFactoryCustomizer.class).customize(factory);
            Http11NioProtocol protocol = new Http11NioProtocol();
            for (TomcatProtocolHandlerCustomizer<?> customizer : factory.getProtocolHandlerCustomizers()) {
                @SuppressWarnings("unchecked")
                TomcatProtocolHandlerCustomizer<ProtocolHandler> generic = (TomcatProtocolHandlerCustomizer<ProtocolHandler>) customizer;
                generic.customize(protocol);
            }
            assertThat(protocol.getExecutor()).isSameAs(fiberExecutor);
        });
    }

    @Test
    void tomcatKeepsItsOwnConnectorByDefault() {
        contextRunner.run(context -> {
            TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory();
            context.getBean(EvergreenTomcatWebServerFactoryCustomizer.class).customize(factory);
            assertThat(factory.getProtocol()).isEqualTo(TomcatServletWebServerFactory.DEFAULT_PROTOCOL);
        });
    }

    @Test
    void withTheLoopConnectorTomcatsProtocolIsPolledByTheGroupsLoopsAndRunsRequestsOnFibers() {
        contextRunner.withPropertyValues("evergreen.web.connector=loop").run(context -> {
            TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory();
            context.getBean(EvergreenTomcatWebServerFactoryCustomizer.class).customize(factory);
            assertThat(factory.getProtocol()).isEqualTo(Http11LoopProtocol.class.getName());
            Http11LoopProtocol protocol = new Http11LoopProtocol();
            for (TomcatProtocolHandlerCustomizer<?> customizer : factory.getProtocolHandlerCustomizers()) {
                @SuppressWarnings("unchecked")
                TomcatProtocolHandlerCustomizer<ProtocolHandler> generic = (TomcatProtocolHandlerCustomizer<ProtocolHandler>) customizer;
                generic.customize(protocol);
            }
            assertThat(protocol.getLoopGroup()).isSameAs(context.getBean(EventLoopGroup.class));
            assertThat(protocol.getExecutor()).isSameAs(context.getBean(FiberExecutor.class));
        });
    }

    @Test
    void theLoopConnectorRefusesTls() {
        contextRunner.withPropertyValues("evergreen.web.connector=loop").run(context -> {
            TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory();
            Ssl ssl = new Ssl();
            ssl.setEnabled(true);
            factory.setSsl(ssl);
            assertThatExceptionOfType(LoopConnectorUnavailableException.class)
                .isThrownBy(() -> context.getBean(EvergreenTomcatWebServerFactoryCustomizer.class).customize(factory))
                .withMessage("evergreen.web.connector=loop cannot serve this server: server.ssl is enabled, and the "
                        + "loop connector serves plain HTTP only");
        });
    }

    @Test
    void jettyKeepsPlatformThreadsForSelectorsAndRunsBlockingWorkOnFibers() {
        contextRunner.withBean(JettyServerProperties.class, () -> {
                JettyServerProperties properties = new JettyServerProperties();
                properties.getThreads().setMax(42);
                properties.getThreads().setMin(4);
                return properties;
            })
            .run(context -> {
                JettyServletWebServerFactory factory = new JettyServletWebServerFactory();
                new JettyVirtualThreadsWebServerFactoryCustomizer(new JettyServerProperties()).customize(factory);
                context.getBean(EvergreenJettyWebServerFactoryCustomizer.class).customize(factory);
                assertThat(factory.getThreadPool()).isInstanceOfSatisfying(QueuedThreadPool.class, pool -> {
                    assertThat(pool.getVirtualThreadsExecutor()).isSameAs(context.getBean(FiberExecutor.class));
                    assertThat(pool.getMaxThreads()).isEqualTo(42);
                    assertThat(pool.getMinThreads()).isEqualTo(4);
                });
            });
    }

    @Test
    void addsTheMaxInFlightFilterWhenALimitIsSet() {
        contextRunner.withPropertyValues("evergreen.web.max-in-flight=10", "evergreen.web.retry-after=1500ms")
            .run(context -> {
                FilterRegistrationBean<?> registration = context.getBean("evergreenMaxInFlightFilter",
                        FilterRegistrationBean.class);
                assertThat(registration.getOrder()).isEqualTo(MaxInFlightFilter.ORDER);
                assertThat(registration.getFilter()).isInstanceOfSatisfying(MaxInFlightFilter.class,
                        filter -> assertThat(filter.getMaxInFlight()).isEqualTo(10));
            });
    }

    @Test
    void anEmptyMaxInFlightMeansNoLimit() {
        contextRunner.withPropertyValues("evergreen.web.max-in-flight=")
            .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("evergreenMaxInFlightFilter"));
    }

    @Test
    void backsOffForTheApplicationsOwnMaxInFlightFilter() {
        contextRunner.withPropertyValues("evergreen.web.max-in-flight=10")
            .withUserConfiguration(UserFilterConfiguration.class)
            .run(context -> assertThat(context).doesNotHaveBean("evergreenMaxInFlightFilter")
                .hasBean("myMaxInFlightFilter"));
    }

    @Test
    void backsOffForTheApplicationsOwnCustomizers() {
        contextRunner.withUserConfiguration(UserCustomizerConfiguration.class)
            .run(context -> assertThat(context).getBeans(EvergreenTomcatWebServerFactoryCustomizer.class)
                .containsOnlyKeys("myTomcatCustomizer"));
    }

    @Test
    void backsOffWhenWebIsDisabled() {
        contextRunner.withPropertyValues("evergreen.web.enabled=false", "evergreen.web.max-in-flight=10")
            .run(context -> assertThat(context).doesNotHaveBean(EvergreenTomcatWebServerFactoryCustomizer.class)
                .doesNotHaveBean(EvergreenJettyWebServerFactoryCustomizer.class)
                .doesNotHaveBean("evergreenMaxInFlightFilter"));
    }

    @Test
    void webIsOnForEveryValueTheBinderReadsAsTrue() {
        contextRunner.withPropertyValues("evergreen.web.enabled=on")
            .run(context -> assertThat(context).hasSingleBean(EvergreenTomcatWebServerFactoryCustomizer.class));
    }

    @Test
    void backsOffWhenEvergreenIsDisabled() {
        contextRunner.withPropertyValues("evergreen.enabled=false")
            .run(context -> assertThat(context).doesNotHaveBean(EvergreenTomcatWebServerFactoryCustomizer.class));
    }

    @Test
    void backsOffOutsideServletWebApplications() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EvergreenAutoConfiguration.class,
                    EvergreenWebServerAutoConfiguration.class))
            .withPropertyValues("evergreen.loops=1")
            .run(context -> assertThat(context).hasSingleBean(FiberExecutor.class)
                .doesNotHaveBean(EvergreenTomcatWebServerFactoryCustomizer.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class UserFilterConfiguration {

        @Bean
        FilterRegistrationBean<MaxInFlightFilter> myMaxInFlightFilter() {
            return new FilterRegistrationBean<>(new MaxInFlightFilter(3, java.time.Duration.ZERO));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserCustomizerConfiguration {

        @Bean
        EvergreenTomcatWebServerFactoryCustomizer myTomcatCustomizer(FiberExecutor executor) {
            return new EvergreenTomcatWebServerFactoryCustomizer(executor);
        }
    }
}
