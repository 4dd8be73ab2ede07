package io.evergreen.demo.webflux;

/** The default style, blocking handlers on fibers: demo-app's endpoints and payloads. */
class BlockingStyleTests extends AbstractDemoWebFluxTests implements SameEndpointsAsDemoApp {

    @Override
    public DemoHttp http() {
        return http;
    }
}
